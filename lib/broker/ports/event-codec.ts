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
 */
type RunRecord = [taskId: string, task: string | null, queue: string | null, worker: string | null, retries: number | null, at: number, ...parts: unknown[][]];

/** An earlier form of a run (0.3 development): `{ taskId, task, queue, worker, retries, seq: [event less those] }`. */
interface ObjectRun {
  taskId: string;
  seq: unknown[];
}

function part(event: TaskEvent, first: number): unknown[] {
  const out: unknown[] = [event.type, event.at - first];
  const extras = [event.args === undefined ? undefined : keptArgs(event.args), event.runtime, event.error, event.eta, event.reason, event.batch];
  let last = -1;
  for (let i = 0; i < extras.length; i++) if (extras[i] !== undefined) last = i;
  for (let i = 0; i <= last; i++) out.push(extras[i] ?? null);
  return out;
}

function sameAttempt(a: TaskEvent, b: TaskEvent): boolean {
  return a.task === b.task && a.queue === b.queue && a.worker === b.worker && a.retries === b.retries;
}

/**
 * Events as one stored entry: a JSON array in which the events of one task attempt
 * (same task, queue, worker and retries) are one run record (RunRecord: a worker's received,
 * started and succeeded are one short array), and events of no task (a worker's) are
 * stored as they are.
 */
export function encodeEventBatch(events: readonly TaskEvent[]): string {
  const records: Array<TaskEvent | RunRecord> = [];
  // Per task id, its latest run and the event that opened it.
  const latest = new Map<string, { first: TaskEvent; run: RunRecord }>();
  for (const event of events) {
    const id = event.taskId;
    if (id === undefined) {
      records.push(event);
      continue;
    }
    const last = latest.get(id);
    if (last && sameAttempt(last.first, event)) {
      last.run.push(part(event, last.first.at));
      continue;
    }
    const run: RunRecord = [id, event.task ?? null, event.queue ?? null, event.worker ?? null, event.retries ?? null, event.at, part(event, event.at)];
    latest.set(id, { first: event, run });
    records.push(run);
  }
  return JSON.stringify(records);
}

const EXTRA_FIELDS = ['args', 'runtime', 'error', 'eta', 'reason', 'batch'] as const;

function fromRun(record: unknown[], into: TaskEvent[]): void {
  const [taskId, task, queue, worker, retries, at] = record;
  if (typeof taskId !== 'string' || typeof at !== 'number') return;
  for (let i = 6; i < record.length; i++) {
    const p = record[i];
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'number') continue;
    const event: TaskEvent = { type: p[0] as TaskEvent['type'], at: at + p[1], taskId };
    if (task !== null) event.task = task as string;
    if (queue !== null) event.queue = queue as string;
    if (worker !== null) event.worker = worker as string;
    if (retries !== null) event.retries = retries as number;
    const fields = event as unknown as Record<string, unknown>;
    for (let j = 0; j < EXTRA_FIELDS.length && j + 2 < p.length; j++) if (p[j + 2] !== null) fields[EXTRA_FIELDS[j]] = p[j + 2];
    into.push(event);
  }
}

/** The events of a packed entry `id` (encodeEventBatch), oldest first, the i-th as `<id>.<i>`; what cannot be read is skipped. */
export function decodeEventBatch(id: string, json: string): StoredEvent[] {
  let records: unknown;
  try {
    records = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(records)) return [];
  const events: TaskEvent[] = [];
  for (const record of records as unknown[]) {
    if (Array.isArray(record)) {
      fromRun(record, events);
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
