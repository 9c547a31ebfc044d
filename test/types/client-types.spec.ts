import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const TYPES_FILE = join(__dirname, 'client.types.ts');

/** Parsed files shared by every compile of this suite (only the type-test file changes). */
const parsedFiles = new Map<string, ts.SourceFile>();

/**
 * Type-checks the type-test file (with `source` in place of its text, if given) under the
 * project's compiler options; returns its diagnostics as text. The library's own type
 * health is `npm run lint`'s job.
 */
function compile(source?: string): string[] {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) => {
    if (file === TYPES_FILE) return ts.createSourceFile(file, source ?? ts.sys.readFile(file)!, language);
    let parsed = parsedFiles.get(file);
    if (!parsed) {
      parsed = getSourceFile(file, language, onError, create);
      if (parsed) parsedFiles.set(file, parsed);
    }
    return parsed;
  };
  const program = ts.createProgram([TYPES_FILE], options, host);
  const file = program.getSourceFile(TYPES_FILE)!;
  return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
    (d) => `${d.file?.fileName ?? ''}:${d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  );
}

describe('TaskClient types', () => {
  jest.setTimeout(60_000);

  it('compile with no diagnostics: every @ts-expect-error is a real error and every positive case holds', () => {
    expect(compile()).toEqual([]);
  });

  it('without the directives, exactly the lines under a @ts-expect-error fail, each for its stated reason', () => {
    const source = ts.sys.readFile(TYPES_FILE)!;
    const lines = source.split('\n');
    const expected = new Map<number, string>();
    lines.forEach((line, i) => {
      const match = /\/\/ @ts-expect-error (.*)$/.exec(line);
      if (match) expected.set(i + 2, match[1]);
    });
    expect(expected.size).toBeGreaterThanOrEqual(12);
    const stripped = lines.map((line) => line.replace(/\/\/ @ts-expect-error .*$/, '//')).join('\n');
    const diagnostics = compile(stripped);
    const failingLines = new Set(diagnostics.map((d) => Number(/client\.types\.ts:(\d+) /.exec(d)?.[1])));
    expect([...failingLines].sort((a, b) => a - b)).toEqual([...expected.keys()].sort((a, b) => a - b));
    const messageOf = (line: number) => diagnostics.filter((d) => d.includes(`client.types.ts:${line} `)).join('\n');
    for (const [line, reason] of expected) {
      if (/method name|not a method|checks the method name/.test(reason)) expect(messageOf(line)).toMatch(/not assignable to parameter of type 'TaskMethodName<EmailTasks>'/);
      else if (/too few|too many|arity/.test(reason)) expect(messageOf(line)).toMatch(/Expected \d+(-\d+)? arguments|Source has \d+ element|Target allows only|is not assignable to parameter of type '\[\]'/);
      else if (/unknown option/.test(reason)) expect(messageOf(line)).toMatch(/'countdwn' does not exist/);
      else expect(messageOf(line)).toMatch(/is not assignable to|is missing in type/);
    }
  });

  it('a @ts-expect-error over a call that compiles is reported (so a missing type error fails the test)', () => {
    const source = ts.sys.readFile(TYPES_FILE)!;
    const broken = source.replace(
      "  // @ts-expect-error wrong argument type\n  await client.delay(EmailTasks, 'sendWelcome', 'one');",
      "  // @ts-expect-error wrong argument type\n  await client.delay(EmailTasks, 'sendWelcome', 1);",
    );
    expect(broken).not.toBe(source);
    const diagnostics = compile(broken);
    expect(diagnostics).toEqual([expect.stringMatching(/client\.types\.ts:\d+ Unused '@ts-expect-error' directive/)]);
  });

  it('a wrong result type in a positive case is reported', () => {
    const source = ts.sys.readFile(TYPES_FILE)!;
    const broken = source.replace('expectType<Equals<typeof welcome, AsyncResult<string>>>();', 'expectType<Equals<typeof welcome, AsyncResult<number>>>();');
    expect(broken).not.toBe(source);
    const diagnostics = compile(broken);
    expect(diagnostics).toEqual([expect.stringMatching(/client\.types\.ts:\d+ Type 'false' does not satisfy the constraint 'true'/)]);
  });
});
