import type { BenchConsumer, BenchProducer, BulkItem } from '../adapters/library-adapter';
import { percentile } from '../report/stats';
import { monotonicMicros, probe, wallClock } from './probe';
import type { ChildResult, MemoryFigures, Timed } from './protocol';

/** Untimed calls before the one-at-a-time measurement, so neither library is timed cold. */
const PRODUCER_WARMUP = 5000;

/** `tasks` single enqueues with `inFlight` of them outstanding at any time, after `warmTasks` untimed ones. */
export async function measureEnqueue(producer: BenchProducer, tasks: number, inFlight: number, warmTasks: number): Promise<ChildResult> {
  await enqueueConcurrently(producer, warmTasks, inFlight);
  const timer = startTimer();
  await enqueueConcurrently(producer, tasks, inFlight);
  return { kind: 'rate', tasks, ...timer.stop() };
}

async function enqueueConcurrently(producer: BenchProducer, tasks: number, inFlight: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < tasks) await producer.add(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, tasks) }, lane));
}

/** `tasks` single enqueues, each awaited before the next. */
export async function measureSequentialEnqueue(producer: BenchProducer, tasks: number): Promise<ChildResult> {
  for (let i = 0; i < Math.min(PRODUCER_WARMUP, tasks); i++) await producer.add(i);
  const timer = startTimer();
  for (let i = 0; i < tasks; i++) await producer.add(i);
  return { kind: 'rate', tasks, ...timer.stop() };
}

/** The fan-out's calls: `tasks` noop tasks in chunks of `chunk`, with seeded random priorities 1-9 when `priorities`. */
export function fanOutItems(tasks: number, chunk: number, priorities: boolean): BulkItem[][] {
  const random = seededRandom(42);
  const chunks: BulkItem[][] = [];
  for (let start = 0; start < tasks; start += chunk) {
    const items: BulkItem[] = [];
    for (let i = start; i < Math.min(tasks, start + chunk); i++) {
      items.push(priorities ? { i, priority: 1 + Math.floor(random() * 9) } : { i });
    }
    chunks.push(items);
  }
  return chunks;
}

/** Fan-out of `tasks` in calls of `chunk`, one call at a time; these tasks are the backlog processed next. */
export async function measureFill(producer: BenchProducer, tasks: number, chunk: number, priorities: boolean): Promise<ChildResult> {
  const chunks = fanOutItems(tasks, chunk, priorities);
  const timer = startTimer();
  for (const items of chunks) await producer.addMany(items);
  return { kind: 'rate', tasks, ...timer.stop() };
}

/**
 * A flood of `tasks` tasks of one key (arguments that are multiples of BENCH_KEYS, so the
 * `keys` variant puts them all under key k0), then one timed task: its start minus its
 * send time is how long it waited behind the flood.
 */
export async function produceFlood(producer: BenchProducer, tasks: number, keys: number): Promise<ChildResult> {
  const timer = startTimer();
  for (let start = 0; start < tasks; start += 1000) {
    const items: BulkItem[] = [];
    for (let i = start; i < Math.min(tasks, start + 1000); i++) items.push({ i: i * keys });
    await producer.addMany(items);
  }
  await producer.addTimed(0, wallClock());
  return { kind: 'sent', tasks: tasks + 1, seconds: timer.stop().seconds };
}

/**
 * Drains a backlog of `tasks`: from start() until the last task body ran and the queue holds
 * nothing, running or waiting (every task acknowledged, so its result stored: a library that
 * runs bodies ahead of its acknowledgements is timed until they caught up).
 */
export async function measureProcessing(consumer: BenchConsumer, tasks: number): Promise<ChildResult> {
  const done = probe.expect(tasks);
  const timer = startTimer();
  await consumer.start();
  await done;
  while ((await consumer.leftover()) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const timed = timer.stop();
  const memory = measureMemory();
  const leftover = await consumer.stop();
  const spans = consumer.exportedSpans ? { spans: await consumer.exportedSpans() } : {};
  return { kind: 'process', tasks, ...timed, memory, leftover, ...spans };
}

/** Runs a worker until `tasks` timed tasks started; `onReady` once it consumes. */
export async function measureLatency(consumer: BenchConsumer, tasks: number, skip: number, onReady: () => void): Promise<ChildResult> {
  const latencies = probe.recordLatencies(tasks);
  const done = probe.expect(tasks);
  await consumer.start();
  onReady();
  const timer = startTimer();
  await done;
  const { window } = timer.stop();
  await consumer.stop();
  const measured = Array.from(latencies.subarray(skip)).filter((ms) => !Number.isNaN(ms));
  measured.sort((a, b) => a - b);
  return {
    kind: 'latency',
    samples: measured.length,
    p50: percentile(measured, 50),
    p90: percentile(measured, 90),
    p99: percentile(measured, 99),
    max: measured[measured.length - 1] ?? NaN,
    window,
  };
}

/**
 * Sends `tasks` timed tasks at an even `rate` per second, each call on its own (not awaited in turn);
 * with `countdown`, each due after a random countdown, carrying its due time.
 */
export async function produceAtRate(producer: BenchProducer, tasks: number, rate: number, countdown?: { min: number; max: number }): Promise<ChildResult> {
  // Counted, not kept: holding every call's promise (and what it resolves to) would grow the
  // heap all run long, and the garbage collector's pauses would be timed as latency.
  const settled = countSettled(tasks);
  const startedAt = wallClock();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(tasks, Math.floor(((wallClock() - startedAt) * rate) / 1000) + 1);
      while (sent < due) {
        if (countdown) {
          const delay = countdown.min + Math.round(Math.random() * (countdown.max - countdown.min));
          settled.track(producer.addDelayed(sent, wallClock() + delay, delay));
        } else {
          settled.track(producer.addTimed(sent, wallClock()));
        }
        sent++;
      }
      if (sent >= tasks) return resolve();
      const nextAt = startedAt + (sent * 1000) / rate;
      setTimeout(tick, Math.max(0, nextAt - wallClock()));
    };
    tick();
  });
  await settled.all;
  return { kind: 'sent', tasks, seconds: (wallClock() - startedAt) / 1000 };
}

/** Resolves `all` once `expected` tracked calls have resolved; rejects with the first failure. */
function countSettled(expected: number): { track(call: Promise<unknown>): void; all: Promise<void> } {
  let done = 0;
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const all = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const onDone = () => {
    if (++done === expected) resolve();
  };
  if (expected === 0) resolve();
  return { track: (call) => void call.then(onDone, reject), all };
}

/** Times a measured part: wall time, this process's CPU time, and the window for CPU profiles. */
function startTimer(): { stop(): Timed } {
  const startedAt = wallClock();
  const startUs = monotonicMicros();
  const cpu = process.cpuUsage();
  return {
    stop: () => {
      const used = process.cpuUsage(cpu);
      return { seconds: (wallClock() - startedAt) / 1000, cpuMicros: used.user + used.system, window: { startUs, endUs: monotonicMicros() } };
    },
  };
}

function measureMemory(): MemoryFigures {
  const rss = process.memoryUsage.rss();
  (globalThis as { gc?: () => void }).gc?.();
  return { rss, heapUsed: process.memoryUsage().heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 };
}

/** mulberry32: the same priorities for both libraries. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
