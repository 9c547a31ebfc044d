import type { SerializedError } from '../../errors';
import type { ResultRecord } from '../result-record';
import { TaskState } from '../task-state';

/** A record of Celery's Redis result backend (`celery-task-meta-<id>`). */
export interface CeleryResultMeta {
  status: string;
  result: unknown;
  traceback: string | null;
  children: unknown[];
  date_done: string | null;
  task_id: string;
  name?: string;
  retries?: number;
  queue?: string;
}

/** Celery's serialized exception: `get()` rebuilds it; `exc_module: null` gives a class of that name. */
export interface CeleryException {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string | null;
}

/**
 * Our record as Celery's backend writes it, so that Python's `AsyncResult(id).get()` returns
 * the value or raises an exception of the Node error's name and message. Null for the states
 * Celery does not store by default (RECEIVED, STARTED, PENDING).
 */
export function toCeleryMeta(record: ResultRecord): CeleryResultMeta | null {
  const base = { traceback: null, children: [], date_done: null, task_id: record.id, name: record.task, retries: record.retries, queue: record.queue };
  switch (record.state) {
    case TaskState.SUCCESS:
      return { ...base, status: 'SUCCESS', result: record.result ?? null, date_done: celeryDate(record.finishedAt) };
    case TaskState.FAILURE:
      return { ...base, status: 'FAILURE', result: celeryException(record.error), traceback: record.error?.stack ?? null, date_done: celeryDate(record.finishedAt) };
    case TaskState.RETRY:
      return { ...base, status: 'RETRY', result: celeryException(record.error), traceback: record.error?.stack ?? null };
    case TaskState.REVOKED: {
      const reason = record.reason?.startsWith('expired') ? 'expired' : (record.reason ?? 'revoked');
      const result: CeleryException = { exc_type: 'TaskRevokedError', exc_message: [reason], exc_module: 'celery.exceptions' };
      return { ...base, status: 'REVOKED', result, date_done: celeryDate(record.finishedAt) };
    }
    default:
      return null;
  }
}

/** A Celery record as ours; null when `json` is not one. */
export function fromCeleryMeta(id: string, json: string | null): ResultRecord | null {
  if (!json) return null;
  let meta: Partial<CeleryResultMeta>;
  try {
    meta = JSON.parse(json) as Partial<CeleryResultMeta>;
  } catch {
    return null;
  }
  if (!meta || typeof meta !== 'object' || typeof meta.status !== 'string') return null;
  const state = (Object.values(TaskState) as string[]).includes(meta.status) ? (meta.status as TaskState) : TaskState.PENDING;
  const finishedAt = typeof meta.date_done === 'string' ? parseCeleryDate(meta.date_done) : undefined;
  const record: ResultRecord = { id, state, task: meta.name, queue: meta.queue, retries: meta.retries, finishedAt };
  switch (state) {
    case TaskState.SUCCESS:
      record.result = meta.result;
      break;
    case TaskState.FAILURE:
    case TaskState.RETRY:
      record.error = fromCeleryException(meta.result, meta.traceback ?? undefined);
      break;
    case TaskState.REVOKED: {
      const exc = meta.result as Partial<CeleryException> | null;
      record.reason = Array.isArray(exc?.exc_message) && exc.exc_message.length > 0 ? String(exc.exc_message[0]) : 'revoked';
      break;
    }
  }
  return record;
}

function celeryException(error: SerializedError | undefined): CeleryException {
  // An unknown task name is Celery's NotRegistered, which Python callers already catch.
  if (error?.name === 'UnknownTaskError') return { exc_type: 'NotRegistered', exc_message: [error.message], exc_module: 'celery.exceptions' };
  return { exc_type: error?.name || 'Error', exc_message: [error?.message ?? ''], exc_module: null };
}

function fromCeleryException(value: unknown, traceback: string | undefined): SerializedError {
  if (!value || typeof value !== 'object') return { name: 'Exception', message: String(value ?? ''), stack: traceback };
  const exc = value as Partial<CeleryException>;
  const args = Array.isArray(exc.exc_message) ? exc.exc_message : exc.exc_message === undefined ? [] : [exc.exc_message];
  const message = args.length === 1 && typeof args[0] === 'string' ? args[0] : args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(', ');
  const name = typeof exc.exc_type === 'string' ? exc.exc_type : 'Exception';
  const out: SerializedError = { name, message, stack: traceback };
  if (typeof exc.exc_module === 'string') out.data = { module: exc.exc_module };
  return out;
}

/** Celery writes `date_done` as naive UTC ISO-8601 (`datetime.utcnow().isoformat()`). */
function celeryDate(ms: number | undefined): string {
  return new Date(ms ?? Date.now()).toISOString().replace('Z', '000');
}

function parseCeleryDate(text: string): number | undefined {
  const ms = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
