import { join } from 'node:path';
import ts from 'typescript';

const ROOT = join(__dirname, '..', '..');
const TYPES_FILE = join(__dirname, 'canvas.types.ts');

/** Diagnostics of `file` compiled with the project's options, `source` standing in for its text. */
function diagnostics(source: string): Array<{ line: number; text: string }> {
  const { config } = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError, create) =>
    file === TYPES_FILE ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError, create);
  const program = ts.createProgram([TYPES_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    text: `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
  }));
}

describe('workflow types', () => {
  jest.setTimeout(180_000);
  const source = ts.sys.readFile(TYPES_FILE)!;

  it('compile: the positive cases hold and every @ts-expect-error is an error', () => {
    expect(diagnostics(source).map((d) => d.text)).toEqual([]);
  });

  it('without the directives, exactly the lines under them fail', () => {
    const lines = source.split('\n');
    const expected = lines.flatMap((line, i) => (/\/\/ @ts-expect-error /.test(line) ? [i + 1] : []));
    expect(expected.length).toBe(10);
    const stripped = lines.map((line) => (/\/\/ @ts-expect-error /.test(line) ? '' : line)).join('\n');
    const failing = [...new Set(diagnostics(stripped).map((d) => d.line))].sort((a, b) => a - b);
    expect(failing).toEqual(expected.map((line) => line + 1));
  });
});
