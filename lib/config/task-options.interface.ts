import type { BatchOptions } from './batch-options';
import type { DebounceTaskOptions } from './debounce-options';

/** A class of error, used by `autoretryFor` / `dontAutoretryFor`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ErrorClass = abstract new (...args: any[]) => Error;

/** Options that any task can set, and `forRoot({ defaults })` can default. */
export interface TaskBehaviourOptions {
  /** Queue the task is sent to unless a route or the call says otherwise. */
  queue?: string;
  /** 0 (default) to 9; a higher number is fetched first within a queue. */
  priority?: number;
  /** Retries after the first failure; 0 disables. Default 3. */
  maxRetries?: number;
  /** Delay before a retry, ms. Default 1000. */
  retryDelay?: number;
  /** Exponential backoff: delay n = retryDelay * 2^n. */
  retryBackoff?: boolean;
  /** Upper bound of the backoff delay, ms. Default 600000. */
  retryBackoffMax?: number;
  /** Draw the delay uniformly in [0, delay]. Default true. */
  retryJitter?: boolean;
  /** Only errors of these classes are retried automatically. */
  autoretryFor?: ErrorClass[];
  /** Errors of these classes are never retried automatically. */
  dontAutoretryFor?: ErrorClass[];
  /** After this many ms the task's `signal` aborts with SoftTimeLimitExceeded. */
  softTimeLimit?: number;
  /** After this many ms the task is stopped and fails with TimeLimitExceeded. */
  timeLimit?: number;
  /** Acknowledge after the task ends (default true); false acknowledges at start (at-most-once). */
  acksLate?: boolean;
  /** Process pool: when the child running the task dies, deliver it again (default true) or fail it with WorkerLostError. */
  rejectOnWorkerLost?: boolean;
  /** Store no result. */
  ignoreResult?: boolean;
  /** How long the result is kept, ms. Default: the module's resultExpires. */
  resultExpires?: number;
  /** Start at most this many tasks per second/minute/hour across all workers: '10/m'. */
  rateLimit?: string;
}

/** While a task with the same key is queued or running, enqueueing another returns the existing one. */
export interface UniqueOptions {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  key: (...args: any[]) => string;
  /** The lock's longest life, ms. Default 1 hour. */
  ttl?: number;
}

/**
 * At most `limit` tasks with the same key run at a time, across all workers; the others
 * wait in their key's line without holding a worker, and keys take turns. `A`: the
 * task method's parameters, which `key` receives (checked by `@Task`).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface ConcurrencyOptions<A extends any[] = any[]> {
  /** 1 or more. */
  limit: number;
  /**
   * The key of a call, from its arguments (run at enqueue). Without it, only calls that
   * pass `concurrencyKey` are limited.
   */
  key?: (...args: A) => string;
}

/** Options of `@Task()`. `A`: the decorated method's parameters (key functions receive them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface TaskOptions<A extends any[] = any[]> extends TaskBehaviourOptions {
  /** Pins the task name; default `ClassName.methodName`. */
  name?: string;
  /**
   * Accepts keyword arguments (Celery's `kwargs`, sent by Python): they are read with
   * `currentTask().kwargs`. Without it, a message that carries kwargs fails with
   * UnexpectedKwargsError. Default false.
   */
  kwargs?: boolean;
  /** Deduplicates enqueues by a key computed from the arguments. */
  unique?: UniqueOptions;
  /** Limits how many tasks of one key (an account, a tenant) run at a time. */
  concurrency?: ConcurrencyOptions<A>;
  /** Batch task: the method takes the argument lists of up to `size` messages (see docs/flow-control.md). */
  batch?: BatchOptions;
  /** Collapses calls with the same key within `delay` into one run with the last call's arguments. */
  debounce?: DebounceTaskOptions<A>;
}
