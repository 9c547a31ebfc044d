import type { TaskMessage } from '../../serialization/task-message';
import type { TaskExecutor } from '../../execution/task-executor';
import type { PoolBatchRun, PoolResult, PoolRun, TaskPool } from './task-pool';

/**
 * Runs tasks on the worker's own event loop. `timeLimit` and terminate stop the
 * waiting and free the slot, but a task that blocks the loop cannot be preempted here:
 * use the process pool for CPU-bound work.
 */
export class InlinePool implements TaskPool {
  readonly kind = 'inline';

  constructor(private readonly executor: TaskExecutor) {}

  async start(): Promise<void> {}

  run(message: TaskMessage, run: PoolRun): PoolResult | Promise<PoolResult> {
    return this.executor.execute(message, run);
  }

  runBatch(messages: readonly TaskMessage[], run: PoolBatchRun): Promise<PoolResult[]> {
    return this.executor.executeBatch(messages, run);
  }

  terminate(): void {
    // The worker stops the run's RunAbort; the executor stops waiting for the task.
  }

  async stop(): Promise<void> {}

  readonly problem = null;

  async whenAvailable(): Promise<void> {}
}
