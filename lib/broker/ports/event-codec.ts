import type { TaskEvent } from '../../serialization/task-event';
import type { StoredEvent } from './stored-event';

const MAX_ARGS_CHARS = 2048;

/** Arguments surely under 2 KiB as JSON, seen without stringifying them: up to 16 numbers, booleans, nulls or short strings. */
function surelySmall(args: unknown): boolean {
  if (!Array.isArray(args) || args.length > 16) return false;
  for (const arg of args) {
    if (arg === null || typeof arg === 'boolean' || (typeof arg === 'number' && Number.isFinite(arg)) || (typeof arg === 'string' && arg.length <= 32)) continue;
    return false;
  }
  return true;
}

/** The arguments as stored: as sent (the same array), or a truncated JSON string past 2 KiB. */
function keptArgs(args: unknown): unknown {
  if (surelySmall(args)) return args;
  let json: string | undefined;
  try {
    json = JSON.stringify(args);
  } catch {
    json = undefined;
  }
  return json === undefined ? '[not JSON]' : json.length > MAX_ARGS_CHARS ? `${json.slice(0, MAX_ARGS_CHARS)}… (${json.length} chars)` : args;
}

/** One event as stored: compact JSON; arguments (when the sender gave them) capped at 2 KiB. */
export function encodeEvent(event: TaskEvent): string {
  const args = (event as { args?: unknown }).args;
  if (args === undefined) return JSON.stringify(event);
  return JSON.stringify({ ...event, args: keptArgs(args) });
}

/**
 * The events of one task attempt in an entry, as an array:
 * `[taskId, task, queue, worker, retries, at, part, part, ...]`, each part
 * `[type, at - the first at, args, runtime, error, eta, reason, batch]` cut after its last
 * value (null fills a gap; a shared field that is absent is null). Arrays, not objects:
 * no field name is written per event, and stringifying them is cheap.
 *
 * In a compact entry (field `c`, encodeEventBatch) a run's task, queue and worker are 0 when
 * they are those of the run before it, and its `at` counts from that run's `at` (the first
 * run's is the time itself): a worker's runs share them, and they were most of the bytes.
 * Entries under `b` (written by earlier versions) hold every run whole.
 */
type RunRecord = [taskId: string, task: string | null | 0, queue: string | null | 0, worker: string | null | 0, retries: number | null, at: number, ...parts: unknown[][]];

/** An earlier form of a run (0.3 development): `{ taskId, task, queue, worker, retries, seq: [event less those] }`. */
interface ObjectRun {
  taskId: string;
  seq: unknown[];
}

/** The stream field of compact entries (encodeEventBatch); `b` holds entries of whole runs. */
export const COMPACT_BATCH_FIELD = 'c';

/** An event's part of its run: no array of the optional fields is made per event (this runs three times a task). */
function part(event: TaskEvent, first: number): unknown[] {
  const out: unknown[] = [event.type, event.at - first];
  const { args, runtime, error, eta, reason, batch } = event;
  const last = batch !== undefined ? 6 : reason !== undefined ? 5 : eta !== undefined ? 4 : error !== undefined ? 3 : runtime !== undefined ? 2 : args !== undefined ? 1 : 0;
  if (last === 0) return out;
  out.push(args === undefined ? null : keptArgs(args));
  if (last >= 2) out.push(runtime ?? null);
  if (last >= 3) out.push(error ?? null);
  if (last >= 4) out.push(eta ?? null);
  if (last >= 5) out.push(reason ?? null);
  if (last >= 6) out.push(batch ?? null);
  return out;
}

function sameAttempt(run: RunRecord, event: TaskEvent): boolean {
  return run[1] === (event.task ?? null) && run[2] === (event.queue ?? null) && run[3] === (event.worker ?? null) && run[4] === (event.retries ?? null);
}

/**
 * Events as one compact entry (COMPACT_BATCH_FIELD): a JSON array in which the events of one
 * task attempt (same task, queue, worker and retries) are one run record (RunRecord: a
 * worker's received, started and succeeded are one short array), and events of no task
 * (a worker's) are stored as they are.
 */
export function encodeEventBatch(events: readonly TaskEvent[]): string {
  const records: Array<TaskEvent | RunRecord> = [];
  const runs: RunRecord[] = [];
  // Per task id, its latest run.
  const latest = new Map<string, RunRecord>();
  for (const event of events) {
    const id = event.taskId;
    if (id === undefined) {
      records.push(event);
      continue;
    }
    const last = latest.get(id);
    if (last !== undefined && sameAttempt(last, event)) {
      last.push(part(event, last[5]));
      continue;
    }
    const run: RunRecord = [id, event.task ?? null, event.queue ?? null, event.worker ?? null, event.retries ?? null, event.at, part(event, event.at)];
    latest.set(id, run);
    records.push(run);
    runs.push(run);
  }
  // Grouping is done: each run now gives what the run before it shares.
  for (let i = runs.length - 1; i > 0; i--) {
    const run = runs[i];
    const before = runs[i - 1];
    if (run[1] === before[1]) run[1] = 0;
    if (run[2] === before[2]) run[2] = 0;
    if (run[3] === before[3]) run[3] = 0;
    run[5] -= before[5];
  }
  return JSON.stringify(records);
}

const EXTRA_FIELDS = ['args', 'runtime', 'error', 'eta', 'reason', 'batch'] as const;

/** What a compact run leaves out: the previous run's task, queue, worker and time. */
interface RunContext {
  task: unknown;
  queue: unknown;
  worker: unknown;
  at: number;
}

function fromRun(record: unknown[], into: TaskEvent[], context?: RunContext): void {
  const [taskId, , , , retries] = record;
  let [, task, queue, worker, , at] = record;
  if (typeof at !== 'number') return;
  if (context) {
    if (task === 0) task = context.task;
    if (queue === 0) queue = context.queue;
    if (worker === 0) worker = context.worker;
    at += context.at;
    // Kept even when this run is unreadable: the runs after it count from it.
    Object.assign(context, { task, queue, worker, at });
  }
  if (typeof taskId !== 'string') return;
  for (let i = 6; i < record.length; i++) {
    const p = record[i];
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') continue;
    const event: TaskEvent = { type: p[0] as TaskEvent['type'], at: at + p[1], taskId };
    if (typeof task === 'string') event.task = task;
    if (typeof queue === 'string') event.queue = queue;
    if (typeof worker === 'string') event.worker = worker;
    if (retries !== null) event.retries = retries as number;
    const fields = event as unknown as Record<string, unknown>;
    for (let j = 0; j < EXTRA_FIELDS.length && j + 2 < p.length; j++) if (p[j + 2] !== null) fields[EXTRA_FIELDS[j]] = p[j + 2];
    into.push(event);
  }
}

/**
 * The events of a packed entry `id`, oldest first, the i-th as `<id>.<i>`; what cannot be
 * read is skipped. `compact`: an entry of encodeEventBatch (field `c`), else one of whole runs (`b`).
 */
export function decodeEventBatch(id: string, json: string, compact = true): StoredEvent[] {
  let records: unknown;
  try {
    records = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(records)) return [];
  const events: TaskEvent[] = [];
  const context: RunContext | undefined = compact ? { task: null, queue: null, worker: null, at: 0 } : undefined;
  for (const record of records as unknown[]) {
    if (Array.isArray(record)) {
      fromRun(record, events, context);
      continue;
    }
    if (!record || typeof record !== 'object') continue;
    const { seq, ...shared } = record as Partial<ObjectRun> & Record<string, unknown>;
    if (Array.isArray(seq)) {
      for (const one of seq) {
        if (one && typeof one === 'object' && typeof (one as TaskEvent).type === 'string') events.push({ ...shared, ...(one as TaskEvent) });
      }
    } else if (typeof (record as TaskEvent).type === 'string') {
      events.push(record as TaskEvent);
    }
  }
  // Stable: events of one ms keep the order they were emitted in within their task.
  events.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  return events.map((event, i) => ({ ...event, id: `${id}.${i}` }));
}

/** Text an entry holds when it holds an event of `taskId` (it may hold others that match). */
export function taskNeedles(taskId: string): string[] {
  const json = JSON.stringify(taskId);
  return [`[${json},`, `"taskId":${json}`];
}

export function decodeEvent(id: string, json: string): StoredEvent | null {
  try {
    const event = JSON.parse(json) as TaskEvent;
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') return null;
    return { ...event, id };
  } catch {
    return null;
  }
}
