import type { Broker } from '../broker/ports/broker';
import { eventForOutcome } from '../execution/outcome-events';
import type { TaskEventBus } from '../events/task-event-bus';
import type { TaskConfig } from '../config/task-config';
import { recordForOutcome, resultTtl } from '../execution/outcome-records';
import type { TaskMessage } from '../serialization/task-message';
import type { TaskExecutor } from '../execution/task-executor';

/**
 * Eager mode: runs a message inline through the same executor a worker uses,
 * after the same JSON trip, and stores the outcome where `AsyncResult` reads it.
 * Retries run at once (their countdown is skipped), as Celery's eager mode does.
 */
export class EagerRunner {
  constructor(
    private readonly executor: TaskExecutor,
    private readonly results: Pick<Broker, 'storeResults'>,
    private readonly config: TaskConfig,
    private readonly events: TaskEventBus,
  ) {}

  async run(body: string): Promise<void> {
    let message = JSON.parse(body) as TaskMessage;
    for (;;) {
      const outcome = await this.executor.execute(message, { delivery: 1, worker: 'eager' });
      await this.executor.complete(message, outcome);
      if (this.events.active) this.events.emit(eventForOutcome(message, outcome, 'eager'));
      const write = recordForOutcome(message, outcome, resultTtl(message, this.config.resultExpires), 'eager');
      if (write) await this.results.storeResults([write]);
      if (outcome.kind !== 'retry') return;
      message = JSON.parse(JSON.stringify(outcome.message)) as TaskMessage;
    }
  }
}
