import { join } from 'node:path';
import { TaskConfigError, type TaskModuleOptions } from '../../lib';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { TaskDispatcher } from '../../lib/internal';
import { TracedTasks } from '../fixtures/telemetry-tasks';
import { runNode } from '../compat/run-node';
import { installOtel, toRecord } from '../support/otel';
import { TestResources } from '../support/test-resources';

const ROOT = join(__dirname, '..', '..');

describe('telemetry without @opentelemetry/api, and its option', () => {
  it('loads and runs tasks when @opentelemetry/api cannot be resolved, and tries to load it only on first use', async () => {
    const run = await runNode(['-r', './test/support/register-ts.js', 'test/fixtures/without-otel-main.ts'], { cwd: ROOT, timeoutMs: 30_000 });
    const line = run.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    expect({ code: run.code, stderr: run.stderr, line: line !== undefined }).toEqual({ code: 0, stderr: '', line: true });
    const report = JSON.parse(line!.slice('RESULT '.length)) as { value: number; attemptsAtLoad: number; attempts: number };
    // Importing the library does not touch it; the module tried it once, when it started, and went on without it.
    expect(report).toEqual({ value: 5, attemptsAtLoad: 0, attempts: 1 });
  });

  it('with @opentelemetry/api but no provider registered, a message carries no trace fields', async () => {
    const resources = new TestResources();
    try {
      const app = await resources.taskApp({ broker: 'memory://', eager: true }, [TracedTasks]);
      const dispatcher = app.get(TaskDispatcher);
      const built = dispatcher.build(dispatcher.resolveName('traced.add'), [1, 2]);
      expect(Object.keys(built.message).sort()).toEqual(['args', 'id', 'queue', 'retries', 'sentAt', 'task', 'v']);
      expect(built.trace).toBeUndefined();
      expect(await (await dispatcher.send(dispatcher.resolveName('traced.add'), [1, 2])).get({ timeout: 5000 })).toBe(3);
    } finally {
      await resources.closeAll();
    }
  });

  it('a tracer provider registered after the app started is used from then on', async () => {
    const resources = new TestResources();
    const app = await resources.taskApp({ broker: 'memory://', eager: true }, [TracedTasks]);
    const dispatcher = app.get(TaskDispatcher);
    const add = dispatcher.resolveName('traced.add');
    expect(dispatcher.build(add, [1, 2]).message.traceparent).toBeUndefined();
    const otel = installOtel();
    try {
      expect(dispatcher.build(add, [1, 2]).message.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      const result = await dispatcher.send(add, [2, 3]);
      expect(await result.get({ timeout: 5000 })).toBe(5);
      const run = otel.spans.getFinishedSpans().map(toRecord).find((s) => s.name === 'process traced' && s.attributes['messaging.message.id'] === result.id);
      expect(run?.attributes['nestjs_tasks.task.outcome']).toBe('success');
      expect((await otel.metric('messaging.client.consumed.messages')).length).toBeGreaterThan(0);
    } finally {
      await otel.shutdown();
      await resources.closeAll();
    }
  });

  it.each([['yes'], [1], [null]])('rejects telemetry: %p', (value) => {
    expect(() => resolveTaskConfig({ telemetry: value } as unknown as TaskModuleOptions)).toThrow(TaskConfigError);
  });

  it('defaults to on', () => {
    expect(resolveTaskConfig({}).telemetry).toBe(true);
    expect(resolveTaskConfig({ telemetry: false }).telemetry).toBe(false);
  });
});
