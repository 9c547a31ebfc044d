import {
  ResultTimeoutError,
  TaskClient,
  TaskFailedError,
  TaskState,
  TaskWorker,
} from '../../lib';
import { encodeResultRecord, type ResultRecord } from '../../lib/serialization/result-record';
import { FoundationTasks, probe } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, commandCalls, resultKey, sleep, waitFor } from './harness';

describe('AsyncResult', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function setup(options: { resultExpires?: number; url?: string } = {}) {
    const prefix = uniquePrefix();
    const broker = options.url ?? testRedisUrl();
    const worker = await h.taskApp({ broker, prefix, resultExpires: options.resultExpires });
    const producer = await h.taskApp({ broker, prefix, resultExpires: options.resultExpires }, []);
    return { prefix, worker, producer, client: producer.get(TaskClient), redis: h.redis(broker) };
  }

  it('get() resolves the value', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'greet', 'value');
    await expect(result.get()).resolves.toBe('hello, value');
    // A second get() reads the stored result.
    await expect(result.get({ timeout: 100 })).resolves.toBe('hello, value');
  });

  it("an object result is stored with the JSON the worker wrote when it checked it (not stringified twice), and reads back as that JSON", async () => {
    const { prefix, worker, client, redis } = await setup();
    await worker.get(TaskWorker).start();
    const first = { nested: { n: 1.5, list: [1, 'a', null, true] }, text: 'q"uote \\ back \u2028 é \ud800', empty: {}, none: undefined };
    const result = await client.delay(FoundationTasks, 'echo', first, 'second');
    const expected = JSON.parse(JSON.stringify({ values: [first, 'second'], types: ['object', 'string'] })) as unknown;
    await expect(result.get({ timeout: 5000 })).resolves.toEqual(expected);
    const stored = await redis.get(resultKey(prefix, result.id));
    expect(stored!.endsWith(`,"result":${JSON.stringify(expected)}}`)).toBe(true);
    expect(JSON.parse(stored!)).toEqual({ id: result.id, state: TaskState.SUCCESS, task: 'foundation.echo', queue: 'default', worker: expect.any(String), retries: 0, startedAt: expect.any(Number), finishedAt: expect.any(Number), result: expected });
  });

  it('encodeResultRecord writes what JSON.stringify of the record reads as, with every field of every state', () => {
    const result = { at: new Date(0), deep: [{ a: [1, { b: 'c' }] }], n: -0, s: '\u0000\n"' };
    const full: Required<ResultRecord> = {
      id: 'id-1', state: TaskState.SUCCESS, task: 't', queue: 'q', result, error: { name: 'E', message: 'm', stack: 's' }, reason: 'r', retries: 2, eta: 3, worker: 'w', startedAt: 4, finishedAt: 5,
    };
    const records: ResultRecord[] = [
      full,
      { id: 'id-2', state: TaskState.SUCCESS, result: [1, 2] },
      { id: 'id-3', state: TaskState.SUCCESS, result: {} },
      { id: 'id-4', state: TaskState.FAILURE, error: { name: 'E', message: 'm' } },
      { id: 'id-5', state: TaskState.STARTED, worker: 'w', startedAt: 1 },
    ];
    for (const record of records) {
      const plain = JSON.parse(JSON.stringify(record)) as unknown;
      expect(JSON.parse(encodeResultRecord(record))).toEqual(plain);
      if (record.result !== undefined) expect(JSON.parse(encodeResultRecord(record, JSON.stringify(record.result)))).toEqual(plain);
    }
    // Every field is written: a field added to ResultRecord and not to encodeResultRecord fails here.
    expect(Object.keys(JSON.parse(encodeResultRecord(full, JSON.stringify(result)))).sort()).toEqual(Object.keys(full).sort());
  });

  it('get() throws TaskFailedError with the remote name, message and stack', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'fail', 'broken on purpose');
    const error = (await result.get({ timeout: 5000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.taskId).toBe(result.id);
    expect(error.taskName).toBe('FoundationTasks.fail');
    expect(error.remoteName).toBe('TypeError');
    expect(error.remoteMessage).toBe('broken on purpose');
    expect(error.remoteStack).toMatch(/TypeError: broken on purpose\n\s+at FoundationTasks\.fail/);
    expect(error.message).toContain('TypeError: broken on purpose');
    await expect(result.state()).resolves.toBe(TaskState.FAILURE);
  });

  it('get({ timeout }) throws ResultTimeoutError while the task has not finished', async () => {
    const { client } = await setup();
    const result = await client.delay(FoundationTasks, 'greet', 'nobody runs me');
    const started = Date.now();
    const error = await result.get({ timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResultTimeoutError);
    expect(error).toMatchObject({ taskId: result.id, timeout: 300 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('state() goes PENDING → RECEIVED → STARTED → SUCCESS', async () => {
    const { worker, client } = await setup();
    const first = await client.delay(FoundationTasks, 'sleep', 800);
    const second = await client.delay(FoundationTasks, 'sleep', 300);
    await expect(first.state()).resolves.toBe(TaskState.PENDING);
    await expect(second.state()).resolves.toBe(TaskState.PENDING);
    // One slot, two held: the second waits for the first in RECEIVED.
    await worker.get(TaskWorker).start({ concurrency: 1, prefetch: 2 });
    await waitFor(async () => (await first.state()) === TaskState.STARTED, 'first STARTED', 5000);
    await waitFor(async () => (await second.state()) === TaskState.RECEIVED, 'second RECEIVED', 5000);
    await expect(first.get({ timeout: 5000 })).resolves.toBe(800);
    await expect(first.state()).resolves.toBe(TaskState.SUCCESS);
    await waitFor(async () => (await second.state()) === TaskState.STARTED, 'second STARTED', 5000);
    await expect(second.get({ timeout: 5000 })).resolves.toBe(300);
    await expect(second.state()).resolves.toBe(TaskState.SUCCESS);
    const info = await second.info();
    expect(info).toMatchObject({ id: second.id, state: 'SUCCESS', task: 'FoundationTasks.sleep', result: 300, queue: 'default' });
    expect(info!.finishedAt! - info!.startedAt!).toBeGreaterThanOrEqual(290);
  });

  it('forget() deletes the stored result', async () => {
    const { prefix, worker, client, redis } = await setup();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'greet', 'forget me');
    await result.get({ timeout: 5000 });
    expect(await redis.exists(resultKey(prefix, result.id))).toBe(1);
    await result.forget();
    expect(await redis.exists(resultKey(prefix, result.id))).toBe(0);
    await expect(result.state()).resolves.toBe(TaskState.PENDING);
  });

  it('results are kept for resultExpires (default 24 h), then gone', async () => {
    const long = await setup();
    await long.worker.get(TaskWorker).start();
    const kept = await long.client.delay(FoundationTasks, 'greet', 'day');
    await kept.get({ timeout: 5000 });
    const ttl = await long.redis.pttl(resultKey(long.prefix, kept.id));
    expect(ttl).toBeGreaterThan(24 * 3600 * 1000 - 60_000);
    expect(ttl).toBeLessThanOrEqual(24 * 3600 * 1000);

    const short = await setup({ resultExpires: 600 });
    await short.worker.get(TaskWorker).start();
    const brief = await short.client.delay(FoundationTasks, 'greet', 'brief');
    await expect(brief.get({ timeout: 5000 })).resolves.toBe('hello, brief');
    const shortTtl = await short.redis.pttl(resultKey(short.prefix, brief.id));
    expect(shortTtl).toBeGreaterThan(0);
    expect(shortTtl).toBeLessThanOrEqual(600);
    await waitFor(async () => (await brief.state()) === TaskState.PENDING, 'the result to expire', 5000, 100);
    await expect(brief.get({ timeout: 200 })).rejects.toBeInstanceOf(ResultTimeoutError);

    // Per call, resultExpires overrides the module's.
    const perCall = await long.client.applyAsync(FoundationTasks, 'greet', ['call'], { resultExpires: 5000 });
    await perCall.get({ timeout: 5000 });
    const perCallTtl = await long.redis.pttl(resultKey(long.prefix, perCall.id));
    expect(perCallTtl).toBeGreaterThan(0);
    expect(perCallTtl).toBeLessThanOrEqual(5000);
  });

  it('@Task({ ignoreResult: true }) stores nothing, not even STARTED', async () => {
    const { prefix, worker, client, redis } = await setup();
    probe.reset();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'ignored');
    await waitFor(() => probe.runs.get(result.id) === 1, 'the ignored task to run', 5000);
    const marker = await client.delay(FoundationTasks, 'greet', 'after');
    await marker.get({ timeout: 5000 }); // written after anything the ignored task could have written
    expect(await redis.exists(resultKey(prefix, result.id))).toBe(0);
    await expect(result.state()).resolves.toBe(TaskState.PENDING);
    await expect(result.get({ timeout: 100 })).rejects.toBeInstanceOf(ResultTimeoutError);
  });

  it('get() waits on a notification, not a poll: a 1 s wait issues almost no GETs', async () => {
    const server = await h.server();
    const { worker, client, redis } = await setup({ url: server.url });
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'sleep', 1500);
    await waitFor(async () => (await result.state()) === TaskState.STARTED, 'STARTED', 5000);

    await redis.config('RESETSTAT');
    const waiting = result.get({ timeout: 10_000 });
    await sleep(1000);
    const during = await commandCalls(redis);
    await expect(waiting).resolves.toBe(1500);
    // One GET after subscribing; a poll every 10 ms would have made ~100.
    expect(during.get ?? 0).toBeLessThanOrEqual(2);
    expect(during.subscribe ?? 0).toBe(1);
  });

  it('many waiters on one id, in this app and in others, all resolve', async () => {
    const { prefix, worker, client } = await setup();
    const result = await client.delay(FoundationTasks, 'sleep', 200);
    const readers = await Promise.all(Array.from({ length: 3 }, () => h.taskApp({ broker: testRedisUrl(), prefix }, [])));
    const waits = [result.get({ timeout: 5000 }), result.get({ timeout: 5000 }), ...readers.map((r) => r.get(TaskClient).result(result.id).get({ timeout: 5000 }))];
    await worker.get(TaskWorker).start();
    await expect(Promise.all(waits)).resolves.toEqual([200, 200, 200, 200, 200]);
  });
});
