import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';
import type { TaskEvent } from '../serialization/task-event';

/** The event an outcome announces. */
export function eventForOutcome(message: TaskMessage, outcome: ExecutionOutcome, worker?: string): TaskEvent {
  const base = { at: Date.now(), taskId: message.id, task: message.task, queue: message.queue, worker, retries: message.retries };
  switch (outcome.kind) {
    case 'success':
      return { ...base, type: 'succeeded', runtime: outcome.finishedAt - outcome.startedAt };
    case 'failure':
      return { ...base, type: 'failed', error: { name: outcome.error.name, message: outcome.error.message } };
    case 'retry':
      return { ...base, type: 'retried', eta: outcome.eta, error: { name: outcome.error.name, message: outcome.error.message } };
    case 'revoked':
      return { ...base, type: 'revoked', reason: outcome.reason };
  }
}
