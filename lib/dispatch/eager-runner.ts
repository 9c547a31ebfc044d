import { randomUUID } from 'node:crypto';
import type { ResultStore } from '../broker/ports/result-store';
import { OutcomeSettler } from '../execution/outcome-settler';
import type { TaskExecutor } from '../execution/task-executor';
import type { ResultWrite } from '../serialization/result-record';
import { decodeMessage, type StoredAt, type TaskMessage } from '../serialization/task-message';

/**
 * Eager mode: runs a message inline through the same executor a worker uses,
 * after the same JSON trip, and settles its outcome as a worker does (hooks,
 * event, result record) where `AsyncResult` reads it. Retries run at once
 * (their countdown is skipped), as Celery's eager mode does. A batch task runs each
 * call as a batch of one.
 */
export class EagerRunner {
  constructor(
    private readonly executor: TaskExecutor,
    private readonly outcomes: OutcomeSettler,
    private readonly results: ResultStore,
  ) {}

  /** Runs the encoded message `body` (stored `at`, as a queue would hold it). */
  async run(body: string, at: StoredAt): Promise<void> {
    let message = decodeMessage(body, at);
    for (;;) {
      const outcome = this.executor.isBatch(message.task)
        ? (await this.executor.executeBatch([message], { batchId: randomUUID(), deliveries: [1], worker: 'eager' }))[0]
        : await this.executor.execute(message, { delivery: 1, worker: 'eager' });
      let write: ResultWrite | null = null;
      await this.outcomes.settle(message, outcome, 'eager', (w) => (write = w));
      if (write) await this.results.storeResults([write]);
      if (outcome.kind !== 'retry') return;
      message = JSON.parse(JSON.stringify(outcome.message)) as TaskMessage;
    }
  }
}
