import type { SerializedError } from '../errors';
import type { TaskState } from './task-state';

/** What the result backend keeps for a task id. */
export interface ResultRecord {
  id: string;
  state: TaskState;
  task?: string;
  queue?: string;
  result?: unknown;
  error?: SerializedError;
  /** REVOKED: why (revoked, expired). */
  reason?: string;
  retries?: number;
  /** RETRY: when the next attempt is due, ms. */
  eta?: number;
  worker?: string;
  /** ms timestamps. */
  startedAt?: number;
  finishedAt?: number;
}

/** A result write: the record and how long to keep it. Ready records are announced to waiters. */
export interface ResultWrite {
  record: ResultRecord;
  ttl: number;
  /** Write only if no ready (SUCCESS, FAILURE, REVOKED) result is kept: progress states, workflow outcomes. */
  keepReady?: boolean;
  /**
   * Announce it when ready to every subscriber of its channel, registered as a waiter or
   * not: the task came from a 0.2 producer, whose `get()` subscribes without registering.
   */
  announceToAnyone?: boolean;
  /** `record.result` as JSON, when the worker wrote it already: stored as it is (encodeResultRecord). */
  resultText?: string;
}

/** Every field of a record but its result, each named: a field added to ResultRecord must be added to encodeResultRecord. */
type FieldsButResult = { [K in Exclude<keyof ResultRecord, 'result'>]-?: ResultRecord[K] | undefined };

/**
 * A record as stored: its JSON, or, given `resultText` (the result's JSON), the other fields'
 * JSON with the result added last, so that a large result is not stringified twice.
 */
export function encodeResultRecord(record: ResultRecord, resultText?: string): string {
  if (resultText === undefined) return JSON.stringify(record);
  const { id, state, task, queue, error, reason, retries, eta, worker, startedAt, finishedAt } = record;
  const rest: FieldsButResult = { id, state, task, queue, error, reason, retries, eta, worker, startedAt, finishedAt };
  return `${JSON.stringify(rest).slice(0, -1)},"result":${resultText}}`;
}

/** A stored record, or null when the text is missing or is not one. */
export function parseResultRecord(json: string | null | undefined): ResultRecord | null {
  if (!json) return null;
  try {
    const record = JSON.parse(json) as ResultRecord;
    return record && typeof record === 'object' && typeof record.state === 'string' ? record : null;
  } catch {
    return null;
  }
}
