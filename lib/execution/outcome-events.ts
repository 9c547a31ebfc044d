import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';
import type { TaskEvent } from '../serialization/task-event';

/** The event an outcome announces. Object literals, not spreads of a shared base: this runs once per task, and a spread costs a copy. */
export function eventForOutcome(message: TaskMessage, outcome: ExecutionOutcome, worker?: string): TaskEvent {
  const at = Date.now();
  const { id: taskId, task, queue, retries } = message;
  switch (outcome.kind) {
    case 'success':
      return { type: 'succeeded', at, taskId, task, queue, worker, retries, runtime: outcome.finishedAt - outcome.startedAt };
    case 'failure':
      return { type: 'failed', at, taskId, task, queue, worker, retries, error: { name: outcome.error.name, message: outcome.error.message } };
    case 'retry':
      return { type: 'retried', at, taskId, task, queue, worker, retries, eta: outcome.eta, error: { name: outcome.error.name, message: outcome.error.message } };
    case 'revoked':
      return { type: 'revoked', at, taskId, task, queue, worker, retries, reason: outcome.reason };
  }
}
