import type { TaskMessage } from '../../serialization/task-message';
import type { ExecutionOutcome } from '../../execution/execution-outcome';
import type { RunAbort } from '../../execution/run-abort';

/**
 * How a pool ended a run: an outcome; `lost` when the process running it died;
 * `unavailable` when the pool has no process that can run it (it never started).
 */
export type PoolResult = ExecutionOutcome | { kind: 'lost'; reason: string } | { kind: 'unavailable'; reason: string };

export interface PoolRun {
  delivery: number;
  abort: RunAbort;
  worker: string;
}

/** One run of a batch method over several messages (lib/execution/batch-execution.ts). */
export interface PoolBatchRun {
  batchId: string;
  /** Delivery number of each message, in order. */
  deliveries: readonly number[];
  abort: RunAbort;
  worker: string;
}

/** Where tasks run: on the worker's event loop, or in child processes. */
export interface TaskPool {
  readonly kind: 'inline' | 'process';
  start(): Promise<void>;
  /** The result of a task that made no promise (inline) comes back at once. */
  run(message: TaskMessage, run: PoolRun): PoolResult | Promise<PoolResult>;
  /** Runs a batch in one slot (one child): one result per message, in order. */
  runBatch(messages: readonly TaskMessage[], run: PoolBatchRun): Promise<PoolResult[]>;
  /** Stops a running task at once (revoke with terminate). */
  terminate(taskId: string): void;
  stop(): Promise<void>;
  /** Null while it can run tasks; otherwise why it cannot. */
  readonly problem: string | null;
  /** Resolves once it can run tasks again (at once when it can), or when it stops. */
  whenAvailable(): Promise<void>;
}
