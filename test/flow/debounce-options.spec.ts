import { join } from 'node:path';
import ts from 'typescript';
import { Task, TaskConfigError, type TaskOptions } from '../../lib';

/** Defines a class with one task method decorated with `options`. */
function define(options: TaskOptions): void {
  class Defined {
    method(accountId: string): string {
      return accountId;
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Defined.prototype, 'method')!;
  (Task(options) as MethodDecorator)(Defined.prototype, 'method', descriptor);
}

describe('@Task({ debounce }) options', () => {
  const key = (accountId: string) => accountId;

  it.each<[string, unknown]>([
    ['no key function', { delay: 100 }],
    ['a key that is not a function', { delay: 100, key: 'acct' }],
    ['no delay', { key }],
    ['a zero delay', { delay: 0, key }],
    ['a negative delay', { delay: -5, key }],
    ['a delay that is not a number', { delay: '100', key }],
    ['maxWait below delay', { delay: 100, maxWait: 99, key }],
    ['maxWait not a number', { delay: 100, maxWait: Infinity, key }],
  ])('refuses %s when the class is defined', (_what, debounce) => {
    expect(() => define({ debounce } as TaskOptions)).toThrow(TaskConfigError);
  });

  it('refuses debounce on a unique task', () => {
    expect(() => define({ debounce: { delay: 100, key }, unique: { key } })).toThrow(/no debounce on a unique task/);
  });

  it('accepts a delay, a key and a maxWait at least the delay', () => {
    expect(() => define({ debounce: { delay: 100, maxWait: 100, key } })).not.toThrow();
  });

  it('type-checks the key function against the method (test/flow/debounce.types.ts compiles, its @ts-expect-error lines are errors)', () => {
    const root = join(__dirname, '..', '..');
    const { config } = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
    const options = { ...ts.parseJsonConfigFileContent(config, ts.sys, root).options, noEmit: true };
    const file = join(__dirname, 'debounce.types.ts');
    const program = ts.createProgram([file], options);
    const source = program.getSourceFile(file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
    // And without the expectations, the two wrong keys are errors.
    const text = source.getFullText().replace(/\/\/ @ts-expect-error[^\n]*\n/g, '\n');
    const host = ts.createCompilerHost(options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (name, language, onError, create) => (name === file ? ts.createSourceFile(name, text, language) : read(name, language, onError, create));
    const stripped = ts.createProgram([file], options, host);
    const strippedSource = stripped.getSourceFile(file)!;
    const lines = new Set(stripped.getSemanticDiagnostics(strippedSource).map((d) => strippedSource.getLineAndCharacterOfPosition(d.start ?? 0).line));
    expect(lines.size).toBe(2);
  });
});
