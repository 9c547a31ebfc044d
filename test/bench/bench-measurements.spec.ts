import IORedis, { type Redis } from 'ioredis';
import { BullmqAdapter } from '../../bench/adapters/bullmq.adapter';
import type { BenchProducer, LibraryAdapter } from '../../bench/adapters/library-adapter';
import { NestjsTasksAdapter } from '../../bench/adapters/nestjs-tasks.adapter';
import {
  measureEnqueue,
  measureFill,
  measureLatency,
  measureProcessing,
  measureSequentialEnqueue,
  produceAtRate,
} from '../../bench/child/measurements';
import type { ChildResult, LibraryName } from '../../bench/child/protocol';
import { deleteKeysWithPrefix } from '../../bench/redis/key-cleanup';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/** Counts the enqueue calls outstanding at once. */
function countingInFlight(producer: BenchProducer): { producer: BenchProducer; max: () => number; calls: () => number } {
  let now = 0;
  let max = 0;
  let calls = 0;
  return {
    producer: {
      ...producer,
      add: async (i) => {
        calls++;
        max = Math.max(max, ++now);
        try {
          return await producer.add(i);
        } finally {
          now--;
        }
      },
    },
    max: () => max,
    calls: () => calls,
  };
}

function expectProcessed(result: ChildResult, tasks: number): void {
  if (result.kind !== 'process') throw new Error(`expected a processing result, got ${result.kind}`);
  expect(result.tasks).toBe(tasks);
  expect(result.leftover).toBe(0);
  expect(result.seconds).toBeGreaterThan(0);
  expect(result.cpuMicros).toBeGreaterThan(0);
  expect(result.memory.heapUsed).toBeGreaterThan(0);
  expect(result.memory.rss).toBeGreaterThan(result.memory.heapUsed);
  expect(result.memory.maxRss).toBeGreaterThanOrEqual(result.memory.rss);
}

describe.each<[LibraryName, (url: string, prefix: string) => LibraryAdapter]>([
  ['nestjs-tasks', (url, prefix) => new NestjsTasksAdapter(url, prefix, 'bench')],
  ['bullmq', (url, prefix) => new BullmqAdapter(url, prefix, 'bench')],
])('bench measurements with %s on real Redis', (_lib, createAdapter) => {
  let admin: Redis;
  let prefix: string;
  let adapter: LibraryAdapter;

  beforeAll(() => (admin = new IORedis(testRedisUrl())));
  afterAll(() => admin.quit());
  beforeEach(() => {
    prefix = uniquePrefix('bench-test');
    adapter = createAdapter(testRedisUrl(), prefix);
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(admin, `${prefix}:`);
  });

  it.each([false, true])('fans out a backlog (priorities: %s) that one worker then drains completely', async (priorities) => {
    const producer = await adapter.producer();
    const fill = await measureFill(producer, 300, 70, priorities);
    await producer.close();
    expect(fill).toMatchObject({ kind: 'rate', tasks: 300 });
    const consumer = await adapter.consumer(20);
    const processed = await measureProcessing(consumer, 300);
    await consumer.close();
    expectProcessed(processed, 300);
  });

  it('keeps exactly the asked number of enqueues in flight, and every one of them lands', async () => {
    const producer = await adapter.producer();
    const counting = countingInFlight(producer);
    const result = await measureEnqueue(counting.producer, 300, 7, 100);
    await producer.close();
    expect(result).toMatchObject({ kind: 'rate', tasks: 300 });
    expect(counting.max()).toBe(7);
    const sent = counting.calls(); // the timed ones and the warm-up
    expect(sent).toBe(400);
    const consumer = await adapter.consumer(50);
    const processed = await measureProcessing(consumer, sent);
    await consumer.close();
    expectProcessed(processed, sent);
  });

  it('enqueues one at a time when asked to', async () => {
    const producer = await adapter.producer();
    const counting = countingInFlight(producer);
    await measureSequentialEnqueue(counting.producer, 50);
    await producer.close();
    expect(counting.max()).toBe(1);
    expect(counting.calls()).toBe(100); // 50 warm-up, 50 timed
  });

  it('measures enqueue-to-start latency at a steady rate', async () => {
    const consumer = await adapter.consumer(10);
    const producer = await adapter.producer();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const measuring = measureLatency(consumer, 60, 10, ready);
    await started;
    const sent = await produceAtRate(producer, 60, 200);
    const latency = await measuring;
    await producer.close();
    await consumer.close();
    // 60 tasks at 200/s: the last one is due 59 * 5 ms after the first, never sooner.
    expect(sent).toMatchObject({ kind: 'sent', tasks: 60 });
    if (sent.kind !== 'sent' || latency.kind !== 'latency') throw new Error('unexpected result kinds');
    expect(sent.seconds).toBeGreaterThanOrEqual(0.29);
    expect(latency.samples).toBe(50);
    expect(latency.p50).toBeGreaterThanOrEqual(0);
    expect(latency.p50).toBeLessThanOrEqual(latency.p90);
    expect(latency.p90).toBeLessThanOrEqual(latency.p99);
    expect(latency.p99).toBeLessThanOrEqual(latency.max);
    expect(latency.max).toBeLessThan(10_000);
  });
});
