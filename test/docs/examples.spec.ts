import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import * as ts from 'typescript';

/**
 * Every ```ts / ```typescript block of README.md, CONTRIBUTING.md and docs/**\/*.md is a
 * self-contained module (its own imports) that compiles against the library as
 * `nestjs-tasks` (lib/index.ts), with the repository's decorator settings; it may import
 * the docs' small app in docs/examples/ (`./email.tasks`, `./users.service`, `./app.module`).
 * Pseudo-code goes in ```text blocks. All blocks are checked in one program, so this stays fast.
 */
const ROOT = join(__dirname, '..', '..');
const FENCE = /^([ \t]*)```(\w*)[^\n]*\n([\s\S]*?)^\1```[ \t]*$/gm;

export interface Example {
  file: string;
  line: number;
  code: string;
}

function markdownFiles(): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'].map((f) => join(ROOT, f)).filter((f) => existsSync(f));
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(ROOT, 'docs'))) walk(join(ROOT, 'docs'));
  return files;
}

export function extractExamples(file: string, text: string): Example[] {
  const examples: Example[] = [];
  for (const match of text.matchAll(FENCE)) {
    const [, indent, lang, body] = match;
    if (lang !== 'ts' && lang !== 'typescript') continue;
    const line = text.slice(0, match.index).split('\n').length + 1;
    const code = body
      .split('\n')
      .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
      .join('\n');
    examples.push({ file, line, code });
  }
  return examples;
}

/** Type-checks the examples in one program; one message per error, `file:line` of the markdown. */
export function checkExamples(examples: Example[]): string[] {
  const virtual = new Map<string, Example>();
  examples.forEach((example, i) => {
    // A block without import/export would be a global script: `export {}` keeps each one a module.
    // Next to docs/examples/, so that `import { EmailTasks } from './email.tasks'` finds the docs' app.
    virtual.set(join(ROOT, 'docs', 'examples', `.block-${i}.ts`), { ...example, code: `${example.code}\nexport {};\n` });
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
    types: ['node', 'jest'],
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    esModuleInterop: true,
    skipLibCheck: true,
    noEmit: true,
    baseUrl: ROOT,
    paths: { 'nestjs-tasks': ['lib/index.ts'] },
  };
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name)?.code ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, create) => {
    const example = virtual.get(name);
    return example ? ts.createSourceFile(name, example.code, language) : getSourceFile.call(host, name, language, onError, create);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems: string[] = [];
  for (const [name, example] of virtual) {
    const source = program.getSourceFile(name);
    if (!source) continue;
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = d.start !== undefined ? source.getLineAndCharacterOfPosition(d.start) : { line: 0 };
      problems.push(`${relative(ROOT, example.file)}:${example.line + line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return problems;
}

describe('docs: every TypeScript example compiles', () => {
  const examples = markdownFiles().flatMap((file) => extractExamples(file, readFileSync(file, 'utf8')));

  it('finds the examples of the README and docs/', () => {
    expect(examples.length).toBeGreaterThan(20);
    expect(examples.some((e) => relative(ROOT, e.file) === 'README.md')).toBe(true);
  });

  it('type-checks them all, each as a module of its own', () => {
    expect(checkExamples(examples)).toEqual([]);
  }, 180_000);

  it('a broken example is reported with its markdown file and line', () => {
    const text = ['# x', '', '```ts', "import { TaskClient } from 'nestjs-tasks';", 'const n: number = TaskClient;', '```', ''].join('\n');
    const [example] = extractExamples(join(ROOT, 'docs', 'broken.md'), text);
    const problems = checkExamples([example]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^docs\/broken\.md:5: Type 'typeof TaskClient' is not assignable to type 'number'/);
  }, 180_000);
});
