import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';
import type { ResultRecord, ResultWrite } from '../serialization/result-record';
import { TaskState } from '../serialization/task-state';

/** Retention of a message's result: per call, per task, then the module's default. */
export function resultTtl(message: TaskMessage, fallback: number): number {
  return message.resultExpires ?? fallback;
}

/** The result record an outcome leaves, or null when the task keeps no result. */
export function recordForOutcome(
  message: TaskMessage,
  outcome: ExecutionOutcome,
  ttl: number,
  worker?: string,
): ResultWrite | null {
  if (message.ignoreResult) return null;
  const { id, task, queue } = message;
  // Object literals, not spreads of a shared base: this runs once per task on the hot path.
  let record: ResultRecord;
  switch (outcome.kind) {
    case 'success':
      record = { id, task, queue, worker, state: TaskState.SUCCESS, result: outcome.value, retries: message.retries, startedAt: outcome.startedAt, finishedAt: outcome.finishedAt };
      return outcome.text === undefined ? { record, ttl } : { record, ttl, resultText: outcome.text };
    case 'failure':
      record = { id, task, queue, worker, state: TaskState.FAILURE, error: outcome.error, retries: outcome.retries, startedAt: outcome.startedAt, finishedAt: outcome.finishedAt };
      break;
    case 'retry':
      record = { id, task, queue, worker, state: TaskState.RETRY, error: outcome.error, retries: message.retries, eta: outcome.eta, startedAt: outcome.startedAt };
      // Like STARTED: a RETRY that lands late (sent again after a lost reply while the next attempt
      // already finished, or from a duplicate delivery) must not hide the final result.
      return { record, ttl, keepReady: true };
    case 'revoked':
      record = { id, task, queue, worker, state: TaskState.REVOKED, reason: outcome.reason, finishedAt: Date.now() };
      break;
  }
  return { record, ttl };
}
