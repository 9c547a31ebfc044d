import { DEFAULT_CONCURRENCY, DEFAULT_QUEUE, DEFAULT_SHUTDOWN_GRACE } from '../constants';
import { TaskConfigError } from '../errors';
import { assertBoolean, assertDuration, assertInteger, assertQueueName } from '../utils/validate';

/** A queue to consume, optionally weighted: a queue of weight 3 gets three times the share of one of weight 1. */
export type QueueSpec = string | { name: string; weight?: number };

/** Options of `TaskWorker.start()`. */
export interface WorkerStartOptions {
  /** Queues to consume. Default `['default']`. */
  queues?: QueueSpec[];
  /** Tasks run at once. Default 10. */
  concurrency?: number;
  /**
   * Messages held at once, running or waiting to run (>= concurrency). Default: adaptive,
   * while tasks run under 10 ms fetches of `8 × concurrency`, the next on its way while one
   * runs (up to `16 × concurrency` held), else `concurrency`, and what waits beyond
   * the slots goes back to the queue once a task has run a second; with the process pool,
   * `concurrency`.
   */
  prefetch?: number;
  /** On stop, how long running tasks may take to finish before they are released, ms. Default 30 s. */
  shutdownGrace?: number;
  /** Also run the periodic scheduler in this process (like `celery worker -B`). */
  beat?: boolean;
  /** `'inline'` (default): tasks run on this event loop. `'process'`: `concurrency` child processes. */
  pool?: 'inline' | 'process';
  /** Process pool: replace a child after this many tasks. */
  maxTasksPerChild?: number;
  /** Process pool: replace a child whose resident memory passes this many bytes. */
  maxMemoryPerChild?: number;
  /** Process pool: the script children run. Default: this process's entry script. */
  poolEntry?: string;
}

export interface ResolvedWorkerOptions {
  queues: string[];
  /** Queue names repeated by weight, interleaved: who goes first in each fetch. */
  rotation: string[];
  weights: Map<string, number>;
  concurrency: number;
  /** The `prefetch` given, or `concurrency`. */
  prefetch: number;
  /** No `prefetch` was given and tasks run inline: the worker holds more while tasks run short (PrefetchPolicy). */
  adaptivePrefetch: boolean;
  shutdownGrace: number;
  beat: boolean;
  pool: 'inline' | 'process';
  maxTasksPerChild?: number;
  maxMemoryPerChild?: number;
  poolEntry?: string;
}

export function resolveWorkerOptions(options: WorkerStartOptions = {}): ResolvedWorkerOptions {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('TaskWorker.start', options, 'an options object');
  const specs = options.queues ?? [DEFAULT_QUEUE];
  if (!Array.isArray(specs) || specs.length === 0) {
    throw new TaskConfigError('queues', specs, 'a non-empty array of queue names');
  }
  const weights = new Map<string, number>();
  specs.forEach((spec, i) => {
    const name = typeof spec === 'string' ? spec : spec?.name;
    const weight = typeof spec === 'string' ? 1 : (spec?.weight ?? 1);
    assertQueueName(`queues[${i}]`, name);
    assertInteger(`queues[${i}].weight`, weight, 1, 100);
    weights.set(name, weight);
  });
  assertInteger('concurrency', options.concurrency, 1, 10_000);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  assertInteger('prefetch', options.prefetch, concurrency, 100_000);
  assertDuration('shutdownGrace', options.shutdownGrace);
  assertBoolean('beat', options.beat);
  if (options.pool !== undefined && options.pool !== 'inline' && options.pool !== 'process') {
    throw new TaskConfigError('pool', options.pool, "'inline' or 'process'");
  }
  assertInteger('maxTasksPerChild', options.maxTasksPerChild, 1);
  assertInteger('maxMemoryPerChild', options.maxMemoryPerChild, 1024 * 1024);
  if (options.poolEntry !== undefined && (typeof options.poolEntry !== 'string' || options.poolEntry === '')) {
    throw new TaskConfigError('poolEntry', options.poolEntry, 'a script path');
  }
  return {
    queues: [...weights.keys()],
    rotation: weightedRotation(weights),
    weights,
    concurrency,
    prefetch: options.prefetch ?? concurrency,
    adaptivePrefetch: options.prefetch === undefined && options.pool !== 'process',
    shutdownGrace: options.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE,
    beat: options.beat ?? false,
    pool: options.pool ?? 'inline',
    maxTasksPerChild: options.maxTasksPerChild,
    maxMemoryPerChild: options.maxMemoryPerChild,
    poolEntry: options.poolEntry,
  };
}

/** Smooth weighted round robin: weights a:2, b:1 give a, b, a — never a run of one queue longer than needed. */
export function weightedRotation(weights: Map<string, number>): string[] {
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  const current = new Map([...weights.keys()].map((name) => [name, 0]));
  const order: string[] = [];
  for (let step = 0; step < total; step++) {
    let best = '';
    for (const [name, weight] of weights) {
      current.set(name, current.get(name)! + weight);
      if (best === '' || current.get(name)! > current.get(best)!) best = name;
    }
    current.set(best, current.get(best)! - total);
    order.push(best);
  }
  return order;
}

/**
 * How many of `free` slots each queue is offered in one fetch: the next `free`
 * positions of the weighted rotation from `cursor`. Each slot offered uses up one
 * position, so the shares follow the weights however the free slots come (one at
 * a time, two at a time, ...); advancing once per fetch instead locks onto a phase.
 */
export function shareSlots(free: number, rotation: readonly string[], cursor: number): Map<string, number> {
  const shares = new Map<string, number>();
  for (let i = 0; i < free; i++) {
    const name = rotation[(cursor + i) % rotation.length];
    shares.set(name, (shares.get(name) ?? 0) + 1);
  }
  return shares;
}

export function assertNotRunning(state: string): void {
  if (state !== 'idle') throw new TaskConfigError('TaskWorker.start', state, 'a worker that is not already running');
}
