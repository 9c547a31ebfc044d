import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModule } from '../../lib/cli/load-module';
import { createOutput } from '../../lib/cli/output';
import { ProgressBar } from '../../lib/cli/progress-bar';
import { parseQueues } from '../../lib/cli/commands/worker.command';
import { ModuleLoadError } from '../../lib';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { written: string } {
  const stream = { isTTY, written: '', write: (chunk: string) => ((stream.written += chunk), true) };
  return stream as unknown as NodeJS.WriteStream & { written: string };
}

describe('the CLI progress bar', () => {
  const noProgress = process.env.NEST_TASKS_NO_PROGRESS;
  beforeAll(() => delete process.env.NEST_TASKS_NO_PROGRESS);
  afterAll(() => {
    if (noProgress !== undefined) process.env.NEST_TASKS_NO_PROGRESS = noProgress;
  });

  it('draws on a terminal, in place, and clears itself', () => {
    const stream = fakeStream(true);
    const bar = new ProgressBar('purging emails', stream, 10);
    bar.update(5, 10, '5 removed');
    // eslint-disable-next-line no-control-regex -- the terminal escape is what is checked
    expect(stream.written).toMatch(/^\r\x1b\[2Kpurging emails █████░░░░░ 50% 5 removed \d+\.\ds$/);
    bar.update(10, 10, '10 removed');
    expect(stream.written).toContain('██████████ 100% 10 removed');
    bar.done();
    expect(stream.written.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('stays silent when stderr is not a terminal (pipes, CI logs)', () => {
    const stream = fakeStream(false);
    const bar = new ProgressBar('waiting for replies', stream);
    bar.update(1, 2);
    bar.done();
    expect(stream.written).toBe('');
  });
});

describe('CLI helpers', () => {
  it('prints aligned tables', () => {
    const stream = fakeStream(false);
    createOutput(stream).table(['Queue', 'Ready'], [['default', 3], ['emails', 12]]);
    expect(stream.written).toBe('Queue    Ready\n-------  -----\ndefault  3\nemails   12\n');
  });

  it('parses -Q with weights', () => {
    expect(parseQueues('emails, reports:3,default')).toEqual(['emails', { name: 'reports', weight: 3 }, 'default']);
    expect(() => parseQueues(' , ')).toThrow(/at least one queue/);
  });

  it('loads CommonJS modules: AppModule, the default export, or #Name; says what it found otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nest-tasks-load-'));
    const module = (body: string) => {
      const file = join(dir, `m${Math.random().toString(36).slice(2)}.js`);
      writeFileSync(file, `${body}\n`);
      return file;
    };
    const mark = "Reflect.defineMetadata('imports', [], ";
    const app = module(`class AppModule {} ${mark}AppModule); class Other {} ${mark}Other); module.exports = { AppModule, Other };`);
    expect(((await loadModule(app)) as { name: string }).name).toBe('AppModule');
    expect(((await loadModule(`${app}#Other`)) as { name: string }).name).toBe('Other');
    const viaDefault = module(`class Root {} ${mark}Root); module.exports = { default: Root, helper: 1 };`);
    expect(((await loadModule(viaDefault)) as { name: string }).name).toBe('Root');
    const dynamic = module(`class Root {} module.exports = { RootModule: { module: Root, providers: [] } };`);
    expect(await loadModule(dynamic)).toMatchObject({ providers: [] });
    const none = module('module.exports = { answer: 42 };');
    await expect(loadModule(none)).rejects.toThrow(ModuleLoadError);
    await expect(loadModule(none)).rejects.toThrow('it exports no Nest module (it exports: answer)');
    await expect(loadModule(`${none}#answer`)).rejects.toThrow("'answer' is not a Nest module class");
    const broken = module("throw new Error('boom at import');");
    await expect(loadModule(broken)).rejects.toThrow('it failed while loading: boom at import');
    await expect(loadModule('')).rejects.toThrow(/give a file/);
  });
});
