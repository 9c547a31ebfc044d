import { Injectable } from '@nestjs/common';
import { MemoryBroker, NestTasksError, RedisBroker, TaskArgumentError, TaskClient, TaskFailedError, TaskState, TaskWorker, Task, currentTask } from '../../lib/internal';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { freePort } from '../support/redis-server';
import { Harness } from './harness';

@Injectable()
class EagerOnly {
  @Task({ maxRetries: 2, retryDelay: 60_000 })
  flaky(failures: number): string {
    const { retries } = currentTask();
    if (retries < failures) throw new Error(`attempt ${retries}`);
    return `ok after ${retries} retries`;
  }
}

describe('eager mode', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  // Nothing listens on port 1: any connection attempt would fail the boot.
  const unreachable = 'redis://127.0.0.1:1';

  it('boots with an unreachable Redis URL: no broker connection is opened', async () => {
    const started = Date.now();
    const app = await h.taskApp({ eager: true, broker: unreachable, connectRetries: 5, connectRetryDelay: 1000 });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(h.broker(app)).toBeInstanceOf(MemoryBroker);
    expect(h.broker(app)).not.toBeInstanceOf(RedisBroker);
    const result = await app.get(TaskClient).delay(FoundationTasks, 'greet', 'eager');
    await expect(result.get()).resolves.toBe('hello, eager');
  });

  it('runs the task inline before delay() resolves, through the executor (context, this, deps)', async () => {
    const app = await h.taskApp({ eager: true, broker: unreachable });
    app.get(Greeter).greeting = 'inline';
    const result = await app.get(TaskClient).applyAsync(FoundationTasks, 'inspect', [1, 'a'], { queue: 'somewhere' });
    await expect(result.state()).resolves.toBe(TaskState.SUCCESS);
    await expect(result.get()).resolves.toMatchObject({
      id: result.id,
      name: 'FoundationTasks.inspect',
      args: [1, 'a'],
      queue: 'somewhere',
      retries: 0,
      greeting: 'inline',
    });
  });

  it('arguments and results make the JSON round trip: a Date arrives as its ISO string', async () => {
    const app = await h.taskApp({ eager: true });
    const when = new Date('2031-02-03T04:05:06.007Z');
    const result = await app.get(TaskClient).delay(FoundationTasks, 'echo', when, { at: when, skip: undefined });
    await expect(result.get()).resolves.toEqual({
      values: ['2031-02-03T04:05:06.007Z', { at: '2031-02-03T04:05:06.007Z' }],
      types: ['string', 'object'],
    });
  });

  it('a class-instance result becomes FAILURE on get(), not an error from delay()', async () => {
    const app = await h.taskApp({ eager: true });
    const result = await app.get(TaskClient).delay(FoundationTasks, 'classResult');
    await expect(result.state()).resolves.toBe(TaskState.FAILURE);
    await expect(result.get()).rejects.toMatchObject({ name: 'TaskFailedError', remoteName: 'TaskResultError' });
  });

  it('a task that throws: delay() resolves, get() rejects with TaskFailedError', async () => {
    const app = await h.taskApp({ eager: true });
    const client = app.get(TaskClient);
    const result = await client.delay(FoundationTasks, 'fail', 'eager failure');
    const error = await result.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error).toMatchObject({ remoteName: 'TypeError', remoteMessage: 'eager failure' });
    const unknown = await client.send('Nope.nope');
    await expect(unknown.get()).rejects.toMatchObject({ remoteName: 'UnknownTaskError' });
  });

  it('retries run inline (their countdown skipped), as in Celery', async () => {
    const app = await h.taskApp({ eager: true }, [EagerOnly]);
    const client = app.get(TaskClient);
    const started = Date.now();
    await expect((await client.delay(EagerOnly, 'flaky', 2)).get()).resolves.toBe('ok after 2 retries');
    expect(Date.now() - started).toBeLessThan(5000);
    const exhausted = await client.delay(EagerOnly, 'flaky', 3);
    await expect(exhausted.get()).rejects.toMatchObject({ remoteName: 'Error', remoteMessage: 'attempt 2' });
    expect((await exhausted.info())!.retries).toBe(2);
  });

  it('still refuses non-JSON-safe arguments at delay()', async () => {
    const app = await h.taskApp({ eager: true });
    await expect(app.get(TaskClient).delay(FoundationTasks, 'echo', new Map())).rejects.toBeInstanceOf(TaskArgumentError);
  });

  it('a worker cannot start in eager mode', async () => {
    const app = await h.taskApp({ eager: true });
    await expect(app.get(TaskWorker).start()).rejects.toThrow(NestTasksError);
    await expect(app.get(TaskWorker).start()).rejects.toThrow(/eager/);
  });

  it('the unreachable address really is unreachable without eager (control)', async () => {
    const port = await freePort();
    await expect(
      h.taskApp({ broker: `redis://127.0.0.1:${port}`, connectRetries: 1, connectRetryDelay: 10 }),
    ).rejects.toThrow(/Cannot reach the broker/);
  });
});
