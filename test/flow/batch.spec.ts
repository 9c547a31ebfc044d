import type { INestApplicationContext } from '@nestjs/common';
import {
  AsyncResult,
  BatchResultError,
  Task,
  TaskClient,
  TaskConfigError,
  TaskEventBus,
  TaskFailedError,
  TaskInspector,
  TaskRevokedError,
  TaskState,
  TaskWorker,
  type TaskEvent,
} from '../../lib/internal';
import { BatchTasks, type BatchStamp } from '../fixtures/batch-tasks';
import { testClusterUrl, testRedisUrl, uniquePrefix } from '../support/redis-url';
import { TestResources, type WorkerProcess } from '../support/test-resources';
import { waitFor } from '../support/wait';

const GET = { timeout: 30_000 };

/** The runs behind some results: size of each, by batch id; checks every item agrees with its run. */
function runsOf(stamps: BatchStamp[]): Map<string, number> {
  const runs = new Map<string, BatchStamp[]>();
  for (const stamp of stamps) runs.set(stamp.batch, [...(runs.get(stamp.batch) ?? []), stamp]);
  for (const [batch, items] of runs) {
    for (const item of items) {
      expect(item.contextId).toBe(batch);
      // Every message of a run saw the same list, so all of them report its size.
      expect(item.size).toBe(items[0].size);
    }
  }
  return new Map([...runs].map(([batch, items]) => [batch, items[0].size]));
}

async function failureOf(result: AsyncResult<unknown>): Promise<TaskFailedError> {
  const error = await result.get(GET).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskFailedError);
  return error as TaskFailedError;
}

/** Resolves once every worker handled the control messages sent so far (a ping answers after them). */
async function heardByAll(app: INestApplicationContext, workers: WorkerProcess[]): Promise<void> {
  const pongs = await app.get(TaskInspector).ping({ timeout: 10_000 });
  expect(Object.keys(pongs)).toHaveLength(workers.length);
}

describe('batch tasks on Redis, 3 worker processes', () => {
  jest.setTimeout(120_000);
  const h = new TestResources();
  let client: TaskClient;

  beforeAll(async () => {
    const prefix = uniquePrefix('batch');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '2' };
    await Promise.all([h.spawnWorker('batch-worker-main', env), h.spawnWorker('batch-worker-main', env), h.spawnWorker('batch-worker-main', env)]);
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, [BatchTasks]);
    client = app.get(TaskClient);
  });
  afterAll(() => h.closeAll());

  it('gives the method full batches under load; each message keeps its own id and result, in order', async () => {
    const args = Array.from({ length: 120 }, (_, i) => [i, 1000] as [number, number]);
    const results = await client.delayMany(BatchTasks, 'sum', args);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    stamps.forEach((stamp, i) => {
      expect(stamp.value).toBe(i + 1000);
      expect(stamp.id).toBe(results[i].id);
    });
    const sizes = [...runsOf(stamps).values()];
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...sizes)).toBe(10);
    // Under load nearly every run is full: at most one partial run per worker.
    expect(sizes.filter((size) => size === 10).length).toBeGreaterThanOrEqual(9);
    expect(new Set(stamps.map((s) => s.pid)).size).toBeGreaterThanOrEqual(2);
  });

  it('a per-item failure retries only that message; the others of the run succeed once', async () => {
    const results = await client.delayMany(BatchTasks, 'check', [[1], [-2], [3], [4]]);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => s.value)).toEqual([1, -2, 3, 4]);
    expect(stamps.map((s) => s.retries)).toEqual([0, 1, 0, 0]);
    expect(await results[1].state()).toBe(TaskState.SUCCESS);
  });

  it('a throw fails every message of the run; each is retried by its own policy, then fails', async () => {
    const results = await client.delayMany(BatchTasks, 'explode', [[1], [2], [3]]);
    for (const result of results) {
      const error = await failureOf(result);
      expect(error.remoteName).toBe('Error');
      // maxRetries 1: the message ran again once before it failed for good.
      expect(error.remoteMessage).toMatch(/^boom at retry 1 of \d$/);
    }
  });

  it('a run past timeLimit fails each message with TimeLimitExceeded, and each is retried by its policy', async () => {
    const sentAt = Date.now();
    const results = await client.delayMany(BatchTasks, 'slowOnce', [[1], [2], [3]]);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => s.retries)).toEqual([1, 1, 1]);
    // The first run was stopped at its limit (400 ms), not after its 5 s pause.
    for (const stamp of stamps) expect(stamp.startedAt - sentAt).toBeLessThan(4_500);
  });

  it('a wrong number of results fails every message of the run with BatchResultError', async () => {
    const results = await client.delayMany(BatchTasks, 'short', [[1], [2]]);
    for (const result of results) {
      const error = await failureOf(result);
      expect(error.remoteName).toBe(BatchResultError.name);
      expect(error.remoteMessage).toMatch(/must return an array of \d result\(s\), one per message in order; got an array of \d/);
    }
  });

  it('messages held while a batch fills do not block other tasks of the queue', async () => {
    const held = await client.delay(BatchTasks, 'patient', 1);
    await waitFor(async () => (await held.state()) === TaskState.RECEIVED, 'the batch message held');
    expect(await (await client.delay(BatchTasks, 'plain', 21)).get(GET)).toBe(42);
    // The plain task ran while the batch was still filling (its wait is 3 s).
    expect(await held.state()).toBe(TaskState.RECEIVED);
    const stamp = await held.get(GET);
    expect(stamp.size).toBe(1);
  });
});

describe('batch tasks on Redis, one worker with the process pool', () => {
  jest.setTimeout(120_000);
  const h = new TestResources();
  let app: INestApplicationContext;
  let client: TaskClient;
  let worker: WorkerProcess;

  beforeAll(async () => {
    const prefix = uniquePrefix('batchpool');
    worker = await h.spawnWorker('batch-worker-main', { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '2', POOL: 'process' });
    app = await h.taskApp({ broker: testRedisUrl(), prefix }, [BatchTasks]);
    client = app.get(TaskClient);
  });
  afterAll(() => h.closeAll());

  it('runs a partial batch in a pool child once `wait` passed since its first message', async () => {
    const sentAt = Date.now();
    const results = await client.delayMany(BatchTasks, 'sum', [[1, 1], [2, 2], [3, 3]]);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => s.value)).toEqual([2, 4, 6]);
    expect([...runsOf(stamps).values()]).toEqual([3]);
    expect(stamps[0].startedAt - sentAt).toBeGreaterThanOrEqual(500 - 20);
    expect(stamps[0].pid).not.toBe(worker.pid);
  });

  it('a message revoked while held is dropped from its batch; the others run', async () => {
    const revoked = await client.delay(BatchTasks, 'patient', 1);
    await waitFor(async () => (await revoked.state()) === TaskState.RECEIVED, 'the batch message held');
    await revoked.revoke();
    await heardByAll(app, [worker]);
    const other = await client.delay(BatchTasks, 'patient', 2);
    const stamp = await other.get(GET);
    expect(stamp.size).toBe(1);
    expect(stamp.value).toBe(2);
    await expect(revoked.get(GET)).rejects.toBeInstanceOf(TaskRevokedError);
  });

  it('revoke with terminate of one message of a running batch settles just that one REVOKED', async () => {
    const results = await client.delayMany(BatchTasks, 'linger', [[1], [2], [3]]);
    await waitFor(async () => (await results[1].state()) === TaskState.STARTED, 'the batch started');
    await results[1].revoke({ terminate: true });
    const [first, third] = await Promise.all([results[0].get(GET), results[2].get(GET)]);
    expect([first.value, third.value]).toEqual([1, 3]);
    expect(first.size).toBe(3);
    await expect(results[1].get(GET)).rejects.toBeInstanceOf(TaskRevokedError);
  });
});

describe('batch tasks on Redis: leases and shutdown', () => {
  jest.setTimeout(120_000);
  const h = new TestResources();
  afterEach(() => h.closeAll());

  async function setUp(): Promise<{ env: Record<string, string>; client: TaskClient; app: INestApplicationContext }> {
    const prefix = uniquePrefix('batchlease');
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: '2', VISIBILITY_TIMEOUT: '1000' };
    const app = await h.taskApp({ broker: testRedisUrl(), prefix, visibilityTimeout: 1000 }, [BatchTasks]);
    return { env, client: app.get(TaskClient), app };
  }

  it('messages held past their lease while the batch fills keep it: no other worker takes them', async () => {
    const { env, client } = await setUp();
    await Promise.all([h.spawnWorker('batch-worker-main', env), h.spawnWorker('batch-worker-main', env)]);
    const sentAt = Date.now();
    const results = await client.delayMany(BatchTasks, 'patient', [[1], [2]]);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    // Held 3 s (the batch wait) with a 1 s lease while another worker fetched from the queue.
    for (const stamp of stamps) expect(stamp.startedAt - sentAt).toBeGreaterThanOrEqual(3_000 - 20);
    expect(stamps.map((s) => s.deliveries)).toEqual([1, 1]);
  });

  it('on shutdown a worker gives the messages of a filling batch back to the queue; another worker runs them', async () => {
    const { env, client, app } = await setUp();
    const first = await h.spawnWorker('batch-worker-main', env);
    const results = await client.delayMany(BatchTasks, 'patient', [[1], [2]]);
    for (const result of results) await waitFor(async () => (await result.state()) === TaskState.RECEIVED, 'the batch messages held');
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
    // Released at once (not left to their leases running out): back in the ready list.
    expect(await h.broker(app).queueSizes('default')).toMatchObject({ ready: 2, active: 0 });
    const second = await h.spawnWorker('batch-worker-main', env);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => [s.value, s.size, s.pid])).toEqual([
      [1, 2, second.pid],
      [2, 2, second.pid],
    ]);
  });
});

describe('batch tasks on the memory broker', () => {
  jest.setTimeout(60_000);
  const h = new TestResources();
  afterAll(() => h.closeAll());

  it('forms full batches, then a partial one after `wait`; started events name the batch', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [BatchTasks]);
    const events: TaskEvent[] = [];
    app.get(TaskEventBus).subscribe((event) => events.push(event));
    await app.get(TaskWorker).start({ concurrency: 2 });
    const client = app.get(TaskClient);
    const results = await client.delayMany(BatchTasks, 'sum', Array.from({ length: 25 }, (_, i) => [i, 0] as [number, number]));
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => s.value)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect([...runsOf(stamps).values()]).toEqual([10, 10, 5]);
    const started = events.filter((e) => e.type === 'started');
    expect(started).toHaveLength(25);
    for (const event of started) expect(event.batch).toBe(stamps.find((s) => s.id === event.taskId)!.batch);
    expect(events.filter((e) => e.type === 'succeeded')).toHaveLength(25);
  });

  it('holds a bounded number of messages: a formed batch counts as one against prefetch, the rest stays queued', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [BatchTasks]);
    const worker = app.get(TaskWorker);
    await worker.start({ concurrency: 1, prefetch: 2 });
    const results = await app.get(TaskClient).delayMany(BatchTasks, 'linger', Array.from({ length: 20 }, (_, i) => [i] as [number]));
    await waitFor(async () => (await results[0].state()) === TaskState.STARTED, 'the first batch started');
    // One batch (3) running in the only slot and one formed batch (3) waiting: nothing more is fetched.
    await waitFor(() => worker.getStats().reserved === 3, 'the second batch formed');
    expect(worker.getStats().active).toBe(1);
    expect(await h.broker(app).queueSizes('default')).toMatchObject({ ready: 14 });
    expect(await results[0].get(GET)).toMatchObject({ value: 0, size: 3 });
    await app.get(TaskClient).revoke(results.slice(6).map((r) => r.id));
  });

  it('a per-item failure retries only that message', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [BatchTasks]);
    await app.get(TaskWorker).start({ concurrency: 2 });
    const results = await app.get(TaskClient).delayMany(BatchTasks, 'check', [[-1], [2]]);
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => [s.value, s.retries])).toEqual([
      [-1, 1],
      [2, 0],
    ]);
  });
});

describe('batch tasks on a Redis Cluster', () => {
  jest.setTimeout(60_000);
  const h = new TestResources();
  afterAll(() => h.closeAll());

  it('forms full and partial batches over a sharded queue (its shards in different slots)', async () => {
    const options = { broker: testClusterUrl(), prefix: uniquePrefix('batchcl'), queues: { default: { shards: 3 } } };
    const app = await h.taskApp(options, [BatchTasks]);
    await app.get(TaskWorker).start({ concurrency: 2 });
    const results = await app.get(TaskClient).delayMany(BatchTasks, 'sum', Array.from({ length: 15 }, (_, i) => [i, 1] as [number, number]));
    const stamps = await Promise.all(results.map((r) => r.get(GET)));
    expect(stamps.map((s) => s.value)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    expect([...runsOf(stamps).values()].sort((a, b) => b - a)).toEqual([10, 5]);
  });
});

describe('batch tasks in eager mode', () => {
  const h = new TestResources();
  afterAll(() => h.closeAll());

  it('runs each call as a batch of one, with per-item failures retried and bad results refused', async () => {
    const app = await h.taskApp({ broker: 'memory://', eager: true }, [BatchTasks]);
    const client = app.get(TaskClient);
    const stamp = await (await client.delay(BatchTasks, 'sum', 2, 3)).get();
    expect(stamp).toMatchObject({ value: 5, size: 1, retries: 0 });
    const retried = await (await client.delay(BatchTasks, 'check', -4)).get();
    expect(retried).toMatchObject({ value: -4, retries: 1 });
    const error = await failureOf(await client.delay(BatchTasks, 'short', 1));
    expect(error.remoteName).toBe(BatchResultError.name);
  });
});

describe('batch options are checked when the class is defined', () => {
  const define = (options: Parameters<typeof Task>[0]) => () => {
    class Tasks {
      @Task(options)
      run(): void {}
    }
    return Tasks;
  };

  it.each([
    [{ size: 0, wait: 10 }, 'batch.size'],
    [{ size: 10_001, wait: 10 }, 'batch.size'],
    [{ size: 2.5, wait: 10 }, 'batch.size'],
    [{ wait: 10 }, 'batch.size'],
    [{ size: 5, wait: 0 }, 'batch.wait'],
    [{ size: 5, wait: -1 }, 'batch.wait'],
    [{ size: 5, wait: Infinity }, 'batch.wait'],
    [{ size: 5 }, 'batch.wait'],
    ['big', 'batch'],
  ])('refuses batch %p (%s)', (batch, option) => {
    expect(define({ batch } as never)).toThrow(TaskConfigError);
    expect(define({ batch } as never)).toThrow(`'@Task(Tasks.run).${option}'`);
  });

  it.each([
    [{ rateLimit: '5/s' }, 'rateLimit', 'meters the start of one message'],
    [{ kwargs: true }, 'kwargs', 'positional argument lists'],
    [{ acksLate: false }, 'acksLate', 'acknowledged after the run'],
    [{ concurrency: { limit: 2, key: () => 'k' } }, 'concurrency', "hold their keys' slots"],
  ])('refuses batch with %p, saying why', (other, option, why) => {
    const run = define({ batch: { size: 5, wait: 10 }, ...other });
    expect(run).toThrow(TaskConfigError);
    expect(run).toThrow(`'@Task(Tasks.run).${option}'`);
    expect(run).toThrow(why);
  });

  it('accepts size 1 to 10000 and any positive wait', () => {
    expect(define({ batch: { size: 1, wait: 0.5 } })).not.toThrow();
    expect(define({ batch: { size: 10_000, wait: 60_000 }, acksLate: true })).not.toThrow();
  });
});
