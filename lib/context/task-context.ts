import { AsyncLocalStorage } from 'node:async_hooks';
import { NoTaskContextError } from '../errors';
import type { BatchContext } from '../flow/batch/batch-context';

/** Options of `currentTask().retry()`. */
export interface RetryOptions {
  /** Run again after this many ms (default: the task's retry delay). */
  countdown?: number;
  /** Run again at this time. */
  eta?: Date | number;
  /** The error that caused the retry; kept as the cause if retries run out. */
  cause?: unknown;
  /** Overrides the task's maxRetries for this decision. */
  maxRetries?: number;
}

/** What a running task knows about itself. */
export interface TaskContext {
  readonly id: string;
  readonly name: string;
  readonly args: readonly unknown[];
  /** Keyword arguments of a Celery message; `{}` when none. Only a task declared `@Task({ kwargs: true })` gets any. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly queue: string;
  /** Retries before this run (0 on the first run). */
  readonly retries: number;
  /** How many times this run's message was delivered (above 1 after a lost worker). */
  readonly deliveries: number;
  /** Aborts on the soft time limit, the time limit, revoke with terminate, or shutdown. */
  readonly signal: AbortSignal;
  /** Asks for another run; throws, so nothing after it runs. */
  retry(options?: RetryOptions): never;
  /** Inside a batch method: the run's id and its messages; `id`, `args`, `retries` then describe the batch (docs/flow-control.md). */
  readonly batch?: BatchContext;
}

export const taskContextStorage = new AsyncLocalStorage<TaskContext>();

/** The context of the task running in this async scope; throws outside a task. */
export function currentTask(): TaskContext {
  const context = taskContextStorage.getStore();
  if (!context) throw new NoTaskContextError();
  return context;
}
