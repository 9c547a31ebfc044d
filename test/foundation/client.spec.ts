import type { INestApplicationContext } from '@nestjs/common';
import {
  AsyncResult,
  PayloadTooLargeError,
  TaskArgumentError,
  TaskClient,
  TaskConfigError,
  TaskNotDecoratedError,
  TaskWorker,
} from '../../lib';
import { FoundationTasks, NotPlain } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { decodeMessage } from '../../lib/serialization/task-message';
import { Harness } from './harness';
import { storedBody } from '../support/stored-messages';

describe('TaskClient', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function producerAndWorker(extra: { maxPayloadBytes?: number } = {}) {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix, ...extra });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix, ...extra }, []);
    return { prefix, worker, producer, client: producer.get(TaskClient) };
  }

  async function totalQueued(app: INestApplicationContext, queue = 'default'): Promise<number> {
    const sizes = await h.broker(app).queueSizes(queue);
    return sizes.ready + sizes.delayed + sizes.active;
  }

  it('delay, applyAsync, send and result(id) reach the worker and come back', async () => {
    const { prefix, worker, client } = await producerAndWorker();
    await worker.get(TaskWorker).start({ queues: ['default', 'other'] });

    const delayed = await client.delay(FoundationTasks, 'greet', 'delay');
    expect(delayed).toBeInstanceOf(AsyncResult);
    const applied = await client.applyAsync(FoundationTasks, 'greet', ['apply'], { queue: 'other', taskId: 'my-own-id' });
    expect(applied.id).toBe('my-own-id');
    const sent = await client.send<string>('FoundationTasks.greet', ['send']);
    await expect(delayed.get({ timeout: 5000 })).resolves.toBe('hello, delay');
    await expect(applied.get({ timeout: 5000 })).resolves.toBe('hello, apply');
    await expect(sent.get({ timeout: 5000 })).resolves.toBe('hello, send');

    // A second app that only knows the id reads the same result.
    const reader = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    await expect(reader.get(TaskClient).result<string>('my-own-id').get({ timeout: 5000 })).resolves.toBe('hello, apply');
  });

  it('delayMany enqueues every argument list in one call and each gets its own result', async () => {
    const { worker, client } = await producerAndWorker();
    await worker.get(TaskWorker).start({ concurrency: 20 });
    const names = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const results = await client.delayMany(FoundationTasks, 'greet', names.map((name) => [name] as [string]));
    expect(new Set(results.map((r) => r.id)).size).toBe(200);
    const values = await Promise.all(results.map((r) => r.get({ timeout: 10_000 })));
    expect(values).toEqual(names.map((name) => `hello, ${name}`));
  });

  it('delayMany of 1000 argument lists enqueues each exactly once, in one call', async () => {
    // How much faster per task this is than delay() one at a time is measured by the benchmark
    // (bench/report/rows.ts, 'Fan-out speed-up per task vs one at a time', goal >= 5x), not here.
    const { producer, client } = await producerAndWorker();
    const results = await client.delayMany(FoundationTasks, 'greet', Array.from({ length: 1000 }, (_, i) => [`many-${i}`] as [string]));
    expect(results).toHaveLength(1000);
    expect(new Set(results.map((r) => r.id)).size).toBe(1000);
    expect(await totalQueued(producer)).toBe(1000);
  });

  describe('refuses arguments that cannot travel as JSON, naming the task and position; nothing is enqueued', () => {
    class Circular {
      self?: unknown;
    }
    const circular: Record<string, unknown> = { a: 1 };
    circular.me = circular;
    const cases: Array<[string, unknown, RegExp]> = [
      ['a function', () => 1, /function/],
      ['a symbol', Symbol('s'), /symbol/],
      ['a BigInt', BigInt(10), /BigInt/],
      ['a class instance', new NotPlain(), /instance of NotPlain/],
      ['a Map', new Map([[1, 2]]), /instance of Map/],
      ['a circular object', circular, /circular/],
      ['NaN', NaN, /NaN is not a finite number/],
      ['Infinity', Infinity, /Infinity is not a finite number/],
      ['an invalid Date', new Date('nope'), /invalid Date/],
      ['a nested class instance', { deep: [{ x: new Circular() }] }, /instance of Circular/],
    ];

    it.each(cases)('%s', async (_what, bad, reason) => {
      const { producer, client } = await producerAndWorker();
      const error = await client.delay(FoundationTasks, 'echo', 'fine', bad).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TaskArgumentError);
      const argumentError = error as TaskArgumentError;
      expect(argumentError.taskName).toBe('foundation.echo');
      expect(argumentError.position).toBe(1);
      expect(argumentError.path.startsWith('args[1]')).toBe(true);
      expect(argumentError.message).toMatch(/Task 'foundation\.echo': argument 1/);
      expect(argumentError.message).toMatch(reason);
      await expect(client.send('foundation.echo', [bad])).rejects.toMatchObject({ name: 'TaskArgumentError', position: 0 });
      expect(await totalQueued(producer)).toBe(0);
    });
  });

  it('names the path inside an argument', async () => {
    const { client } = await producerAndWorker();
    await expect(client.delay(FoundationTasks, 'echo', { list: [1, { when: () => 0 }] })).rejects.toMatchObject({
      position: 0,
      path: 'args[0].list[1].when',
    });
  });

  it('one bad argument list makes delayMany enqueue nothing at all', async () => {
    const { producer, client } = await producerAndWorker();
    const lists: Array<[unknown]> = [[1], [2], [BigInt(3)], [4]];
    await expect(client.delayMany(FoundationTasks, 'echo', lists)).rejects.toMatchObject({ name: 'TaskArgumentError', position: 0 });
    expect(await totalQueued(producer)).toBe(0);
  });

  it('accepts a Date: the worker receives its ISO string', async () => {
    const { worker, client } = await producerAndWorker();
    await worker.get(TaskWorker).start();
    const when = new Date('2030-01-02T03:04:05.678Z');
    const result = await client.delay(FoundationTasks, 'echo', when, { nested: when });
    await expect(result.get({ timeout: 5000 })).resolves.toEqual({
      values: ['2030-01-02T03:04:05.678Z', { nested: '2030-01-02T03:04:05.678Z' }],
      types: ['string', 'object'],
    });
  });

  it('refuses a payload over maxPayloadBytes with PayloadTooLargeError; nothing is enqueued', async () => {
    const { producer, client } = await producerAndWorker({ maxPayloadBytes: 2048 });
    const error = await client.delay(FoundationTasks, 'echo', 'x'.repeat(3000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ taskName: 'foundation.echo', limit: 2048 });
    expect((error as PayloadTooLargeError).bytes).toBeGreaterThan(3000);
    expect((error as Error).message).toMatch(/maxPayloadBytes/);
    // Multi-byte characters are counted in bytes, not UTF-16 units.
    await expect(client.delay(FoundationTasks, 'echo', 'é'.repeat(1100))).rejects.toBeInstanceOf(PayloadTooLargeError);
    // Just under the limit goes through.
    await expect(client.delay(FoundationTasks, 'echo', 'x'.repeat(1500))).resolves.toBeInstanceOf(AsyncResult);
    expect(await totalQueued(producer)).toBe(1);
  });

  it('the default maxPayloadBytes is 1 MiB', async () => {
    const { producer, client } = await producerAndWorker();
    await expect(client.delay(FoundationTasks, 'echo', 'x'.repeat(1024 * 1024))).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(client.delay(FoundationTasks, 'echo', 'x'.repeat(1000 * 1000))).resolves.toBeInstanceOf(AsyncResult);
    expect(await totalQueued(producer)).toBe(1);
  });

  it('refuses a method without @Task and bad call options before enqueueing', async () => {
    const { producer, client } = await producerAndWorker();
    await expect(client.delay(FoundationTasks, 'notATask')).rejects.toThrow(TaskNotDecoratedError);
    await expect(client.delay(FoundationTasks, 'notATask')).rejects.toThrow('FoundationTasks.notATask is not a task');
    await expect(client.applyAsync(FoundationTasks, 'greet', ['x'], { countdown: -1 })).rejects.toThrow(TaskConfigError);
    await expect(client.applyAsync(FoundationTasks, 'greet', ['x'], { queue: 'has space' })).rejects.toThrow(/'queue'/);
    await expect(client.applyAsync(FoundationTasks, 'greet', ['x'], { priority: 12 })).rejects.toThrow(/'priority'/);
    await expect(client.send('', [])).rejects.toThrow(/'name'/);
    expect(await totalQueued(producer)).toBe(0);
    expect(await totalQueued(producer, 'has space').catch(() => 0)).toBe(0);
  });

  it('a repeated taskId does not enqueue twice while the first is queued', async () => {
    const { prefix, producer, client } = await producerAndWorker();
    await client.applyAsync(FoundationTasks, 'greet', ['a'], { taskId: 'same' });
    await client.applyAsync(FoundationTasks, 'greet', ['b'], { taskId: 'same' });
    expect(await totalQueued(producer)).toBe(1);
    const redis = h.redis(testRedisUrl());
    expect(decodeMessage((await storedBody(redis, prefix, 'default', 'same'))!, { id: 'same', queue: 'default' }).args).toEqual(['a']);
  });
});
