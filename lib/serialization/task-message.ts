import { MESSAGE_VERSION } from '../constants';
import { MessageDecodeError } from '../errors';
import { findWorkflowProblem } from './spec-validation';
import type { ChordRef, WorkflowSpec } from './workflow-spec';

/** A task on the wire. Everything in it is data: nothing is evaluated or imported. */
export interface TaskMessage {
  v: number;
  id: string;
  task: string;
  args: unknown[];
  /** Keyword arguments (Celery messages): reach a task declared `@Task({ kwargs: true })` as `currentTask().kwargs`. */
  kwargs?: Record<string, unknown>;
  queue: string;
  /** When the producer sent it, ms. */
  sentAt: number;
  /** Not before this time, ms. */
  eta?: number;
  /** Not after this time, ms: the task is revoked if not started by then. */
  expires?: number;
  /** Retries so far. */
  retries: number;
  priority?: number;
  ignoreResult?: boolean;
  resultExpires?: number;
  /** Per-call override of the task's maxRetries. */
  maxRetries?: number;
  /** Workflows (lib/canvas): run on success, with the result prepended to their arguments. */
  link?: WorkflowSpec[];
  /** Workflows: run on failure or revoke, with a WorkflowFailure prepended. */
  linkError?: WorkflowSpec[];
  /** Workflows: the rest of this task's chain. */
  chain?: WorkflowSpec[];
  /** Workflows: the chord this task's outcome is counted in. */
  chord?: ChordRef;
  /** W3C trace context of the span the message was created under (only when there is one; lib/telemetry). */
  traceparent?: string;
  tracestate?: string;
  /** A retry: the `traceparent` of the run before it, which its run links to. */
  retriedFrom?: string;
  /** Concurrency key: at most `limit` tasks of this queue with the same `key` run at a time. */
  concurrency?: ConcurrencyKey;
}

/** A message's concurrency key, as the broker admits it (`key` is scoped by the task name). */
export interface ConcurrencyKey {
  key: string;
  limit: number;
}

/** The key the broker admits `message` under: its concurrency key, scoped by its task. */
export function admissionKey(message: Pick<TaskMessage, 'task' | 'concurrency'>): ConcurrencyKey | undefined {
  const c = message.concurrency;
  return c ? { key: `${message.task}:${c.key}`, limit: c.limit } : undefined;
}

/** Where a stored message was read: the id it is stored under, and its (logical) queue. */
export interface StoredAt {
  id: string;
  queue: string;
}

/** First character of a compact body (a JSON body starts with `{`). */
const COMPACT = '2';

/**
 * The message as a queue stores it, compact (docs/internals.md#message-format):
 * `2<sentAt base 36>|<task>|<length of args, base 36>|<args JSON><other fields JSON>`.
 * What the storage says already is left out: the id (the key it is stored under), the
 * queue, the format version, and `retries` while 0. Arguments stay JSON text.
 */
export function encodeMessage(message: TaskMessage): string {
  const { task, args, sentAt, retries } = message;
  const named = !task.includes('|');
  const json = JSON.stringify(args);
  let body = `${COMPACT}${sentAt.toString(36)}|${named ? task : ''}|${json.length.toString(36)}|${json}`;
  // The other fields, built only when one is set (most messages have none).
  let other: Record<string, unknown> | undefined;
  for (const key in message) {
    if (IN_HEAD.has(key)) continue;
    const value = (message as unknown as Record<string, unknown>)[key];
    if (value !== undefined) (other ??= {})[key] = value;
  }
  if (retries !== 0) (other ??= {}).retries = retries;
  if (!named) (other ??= {}).task = task;
  if (other) body += JSON.stringify(other);
  return body;
}

/** Fields the compact head carries or the storage says: never in the JSON tail (`retries` only while 0, `task` only without '|'). */
const IN_HEAD: ReadonlySet<string> = new Set(['v', 'id', 'queue', 'task', 'args', 'sentAt', 'retries']);

/** The message as JSON, whole (for a copy kept outside its queue: it names its id and queue itself). */
export function encodeMessageJson(message: TaskMessage): string {
  return JSON.stringify(message);
}

/**
 * Parses and checks the shape of a raw message; throws MessageDecodeError saying what is
 * wrong. A compact body (encodeMessage) needs `at`, where it was stored; a JSON body
 * names its own id and queue.
 */
export function decodeMessage(raw: string, at?: StoredAt): TaskMessage {
  const m = raw.startsWith(COMPACT) ? parseCompact(raw, at) : parseJson(raw);
  if (m.v !== MESSAGE_VERSION) throw new MessageDecodeError(`unsupported message version ${JSON.stringify(m.v)}`);
  if (typeof m.id !== 'string' || m.id === '') throw new MessageDecodeError('missing id');
  if (typeof m.task !== 'string' || m.task === '') throw new MessageDecodeError('missing task name');
  if (!Array.isArray(m.args)) throw new MessageDecodeError('args is not an array');
  if (m.kwargs !== undefined && (m.kwargs === null || typeof m.kwargs !== 'object' || Array.isArray(m.kwargs))) {
    throw new MessageDecodeError('kwargs is not an object');
  }
  if (typeof m.queue !== 'string') throw new MessageDecodeError('missing queue');
  if (typeof m.sentAt !== 'number') throw new MessageDecodeError('missing sentAt');
  if (typeof m.retries !== 'number' || !Number.isInteger(m.retries) || m.retries < 0) {
    throw new MessageDecodeError('retries is not a non-negative integer');
  }
  for (const key of ['eta', 'expires', 'resultExpires'] as const) {
    if (m[key] !== undefined && !(typeof m[key] === 'number' && Number.isFinite(m[key]) && m[key] >= 0)) {
      throw new MessageDecodeError(`${key} is not a finite number of milliseconds`);
    }
  }
  if (m.resultExpires !== undefined && (m.resultExpires as number) < 1) throw new MessageDecodeError('resultExpires is below 1 ms');
  if (m.priority !== undefined && !(Number.isInteger(m.priority) && (m.priority as number) >= 0 && (m.priority as number) <= 9)) {
    throw new MessageDecodeError('priority is not an integer from 0 to 9');
  }
  if (m.maxRetries !== undefined && !(Number.isInteger(m.maxRetries) && (m.maxRetries as number) >= 0)) {
    throw new MessageDecodeError('maxRetries is not a non-negative integer');
  }
  for (const key of ['traceparent', 'tracestate', 'retriedFrom'] as const) {
    if (m[key] !== undefined && typeof m[key] !== 'string') throw new MessageDecodeError(`${key} is not a string`);
  }
  if (m.concurrency !== undefined) {
    const c = m.concurrency as Partial<ConcurrencyKey> | null;
    if (c === null || typeof c !== 'object' || typeof c.key !== 'string' || c.key === '' || !(Number.isInteger(c.limit) && (c.limit as number) >= 1)) {
      throw new MessageDecodeError('concurrency is not { key, limit }');
    }
  }
  const workflowProblem = findWorkflowProblem(m);
  if (workflowProblem) throw new MessageDecodeError(workflowProblem);
  return m as unknown as TaskMessage;
}

function parseJson(raw: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new MessageDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new MessageDecodeError('not a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function parseCompact(raw: string, at: StoredAt | undefined): Record<string, unknown> {
  if (!at) throw new MessageDecodeError('a compact message read without the id and queue it is stored under');
  const timeEnd = raw.indexOf('|', 1);
  const taskEnd = timeEnd < 0 ? -1 : raw.indexOf('|', timeEnd + 1);
  const lengthEnd = taskEnd < 0 ? -1 : raw.indexOf('|', taskEnd + 1);
  if (lengthEnd < 0) throw new MessageDecodeError('not a compact message: fewer than three | separators');
  const time = raw.slice(1, timeEnd);
  const length = raw.slice(taskEnd + 1, lengthEnd);
  if (!/^[0-9a-z]{1,11}$/.test(time)) throw new MessageDecodeError('missing sentAt');
  if (!/^[0-9a-z]{1,8}$/.test(length)) throw new MessageDecodeError('args length is not a base-36 number');
  const argsEnd = lengthEnd + 1 + parseInt(length, 36);
  if (argsEnd > raw.length) throw new MessageDecodeError('args run past the end of the message');
  let args: unknown;
  let other: unknown = {};
  try {
    args = JSON.parse(raw.slice(lengthEnd + 1, argsEnd));
    if (argsEnd < raw.length) other = JSON.parse(raw.slice(argsEnd));
  } catch (error) {
    throw new MessageDecodeError(`not JSON: ${(error as Error).message}`);
  }
  if (other === null || typeof other !== 'object' || Array.isArray(other)) throw new MessageDecodeError('the fields after args are not a JSON object');
  const task = raw.slice(timeEnd + 1, taskEnd);
  return { v: MESSAGE_VERSION, id: at.id, task, args, queue: at.queue, sentAt: parseInt(time, 36), retries: 0, ...(other as Record<string, unknown>) };
}
