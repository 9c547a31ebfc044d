import type { TaskEventBus } from '../events/task-event-bus';
import type { ResultWrite } from '../serialization/result-record';
import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';
import { eventForOutcome } from './outcome-events';
import { recordForOutcome, resultTtl } from './outcome-records';
import type { TaskExecutor } from './task-executor';

/**
 * What follows a task's final outcome, the same in a worker and in eager mode: the
 * outcome hooks (workflows, user hooks), then its event and its result record,
 * handed to `commit` (a worker buffers it with the acknowledgement; eager mode
 * stores it). Answers without a promise unless a hook is async; a failing hook
 * rejects, and nothing is committed.
 */
export class OutcomeSettler {
  constructor(
    private readonly executor: TaskExecutor,
    private readonly events: TaskEventBus,
    private readonly resultExpires: number,
  ) {}

  settle(message: TaskMessage, outcome: ExecutionOutcome, worker: string, commit: (write: ResultWrite | null) => void): Promise<void> | void {
    const pending = this.executor.complete(message, outcome);
    if (pending) return pending.then(() => this.commit(message, outcome, worker, commit));
    this.commit(message, outcome, worker, commit);
  }

  /** The outcome's event and result record, without the hooks (they failed for good). */
  commit(message: TaskMessage, outcome: ExecutionOutcome, worker: string, commit: (write: ResultWrite | null) => void): void {
    if (this.events.active) this.events.emit(eventForOutcome(message, outcome, worker));
    commit(recordForOutcome(message, outcome, resultTtl(message, this.resultExpires), worker));
  }
}
