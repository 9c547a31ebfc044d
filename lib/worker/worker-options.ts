import { DEFAULT_CONCURRENCY, DEFAULT_QUEUE, DEFAULT_SHUTDOWN_GRACE } from '../constants';
import { TaskConfigError } from '../errors';
import { assertBoolean, assertDuration, assertInteger, assertQueueName } from '../utils/validate';

/** Options of `TaskWorker.start()`. */
export interface WorkerStartOptions {
  /** Queues to consume. Default `['default']`. */
  queues?: string[];
  /** Tasks run at once. Default 10. */
  concurrency?: number;
  /** Messages held at once, running or waiting to run (>= concurrency). Default: concurrency. */
  prefetch?: number;
  /** On stop, how long running tasks may take to finish before they are released, ms. Default 30 s. */
  shutdownGrace?: number;
  /** Also run the periodic scheduler in this process (like `celery worker -B`). */
  beat?: boolean;
}

export interface ResolvedWorkerOptions {
  beat: boolean;
  queues: string[];
  concurrency: number;
  prefetch: number;
  shutdownGrace: number;
}

export function resolveWorkerOptions(options: WorkerStartOptions = {}): ResolvedWorkerOptions {
  const queues = options.queues ?? [DEFAULT_QUEUE];
  if (!Array.isArray(queues) || queues.length === 0) {
    throw new TaskConfigError('queues', queues, 'a non-empty array of queue names');
  }
  queues.forEach((queue, i) => assertQueueName(`queues[${i}]`, queue));
  assertInteger('concurrency', options.concurrency, 1, 10_000);
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  assertInteger('prefetch', options.prefetch, concurrency, 100_000);
  assertDuration('shutdownGrace', options.shutdownGrace);
  assertBoolean('beat', options.beat);
  return {
    beat: options.beat ?? false,
    queues: [...new Set(queues)],
    concurrency,
    prefetch: options.prefetch ?? concurrency,
    shutdownGrace: options.shutdownGrace ?? DEFAULT_SHUTDOWN_GRACE,
  };
}

export function assertNotRunning(state: string): void {
  if (state !== 'idle') throw new TaskConfigError('TaskWorker.start', state, 'a worker that is not already running');
}
