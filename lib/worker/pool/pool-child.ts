import type { Logger } from '@nestjs/common';
import type { TaskExecutor } from '../../execution/task-executor';
import type { ChildToParent, ParentToChild } from './pool-protocol';

/**
 * The child side of the process pool: runs the tasks its parent sends, one at a
 * time, and answers with their outcomes. Signals are the parent's business: SIGINT
 * (a terminal's Ctrl+C reaches the whole group) is ignored, SIGTERM exits.
 */
export class PoolChild {
  constructor(
    private readonly executor: TaskExecutor,
    private readonly logger: Logger,
  ) {}

  serve(): void {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => process.exit(0));
    process.on('disconnect', () => process.exit(0));
    process.on('message', (message: ParentToChild) => void this.handle(message));
    this.send({ type: 'ready' });
  }

  private async handle(message: ParentToChild): Promise<void> {
    if (message.type === 'exit') {
      process.exit(0);
    }
    if (message.type === 'run-batch') return this.runBatch(message);
    if (message.type !== 'run') return;
    const { message: task, delivery, worker } = message;
    try {
      const outcome = await this.executor.execute(task, { delivery, worker });
      this.send({ type: 'done', taskId: task.id, outcome, rss: process.memoryUsage().rss });
    } catch (error) {
      this.logger.error(`Pool child could not run ${task.id}: ${(error as Error).message}`);
      process.exit(1);
    }
  }

  private async runBatch({ batchId, messages, deliveries, worker }: Extract<ParentToChild, { type: 'run-batch' }>): Promise<void> {
    try {
      const outcomes = await this.executor.executeBatch(messages, { batchId, deliveries, worker });
      this.send({ type: 'batch-done', batchId, outcomes, rss: process.memoryUsage().rss });
    } catch (error) {
      this.logger.error(`Pool child could not run batch ${batchId}: ${(error as Error).message}`);
      process.exit(1);
    }
  }

  private send(message: ChildToParent): void {
    process.send?.(message);
  }
}
