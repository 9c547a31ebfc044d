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

/** Fields a task's events share; a run of its events in one batch stores them once. */
interface TaskEventRun {
  taskId: string;
  task?: string;
  queue?: string;
  worker?: string;
  retries?: number;
  /** Each event less the shared fields, oldest first. */
  seq: Array<Omit<TaskEvent, 'taskId' | 'task' | 'queue' | 'worker' | 'retries'>>;
}

type OwnFields = TaskEventRun['seq'][number];

/** The event less the fields its run shares, field by field (a rest pattern or a spread is a slow copy in V8). */
function own(event: TaskEvent): OwnFields {
  const part: OwnFields = { type: event.type, at: event.at };
  if (event.args !== undefined) part.args = keptArgs(event.args) as unknown[];
  if (event.runtime !== undefined) part.runtime = event.runtime;
  if (event.error !== undefined) part.error = event.error;
  if (event.eta !== undefined) part.eta = event.eta;
  if (event.reason !== undefined) part.reason = event.reason;
  if (event.batch !== undefined) part.batch = event.batch;
  return part;
}

/** The event with its arguments as stored: itself unless they were cut. */
function withKeptArgs(event: TaskEvent): TaskEvent {
  if (event.args === undefined) return event;
  const kept = keptArgs(event.args);
  return kept === event.args ? event : { ...event, args: kept as unknown[] };
}

/**
 * Events as one stored entry: a JSON array in which the events of one task attempt
 * (same task, queue, worker and retries) are one record `{ taskId, task, queue, worker,
 * retries, seq: [...] }` (a worker's received, started and succeeded cost one record, not
 * three); other events are stored as they are.
 */
export function encodeEventBatch(events: readonly TaskEvent[]): string {
  const records: Array<TaskEvent | TaskEventRun> = [];
  // Per task id, its latest record: where it is, and its first event (a run once a second joins).
  const latest = new Map<string, { at: number; first: TaskEvent; run?: TaskEventRun }>();
  for (const event of events) {
    const id = event.taskId;
    const last = id === undefined ? undefined : latest.get(id);
    const first = last?.first;
    if (id === undefined || !first || first.task !== event.task || first.queue !== event.queue || first.worker !== event.worker || first.retries !== event.retries) {
      if (id !== undefined) latest.set(id, { at: records.length, first: event });
      records.push(withKeptArgs(event));
      continue;
    }
    if (!last.run) {
      last.run = { taskId: id, task: first.task, queue: first.queue, worker: first.worker, retries: first.retries, seq: [own(first)] };
      records[last.at] = last.run;
    }
    last.run.seq.push(own(event));
  }
  return JSON.stringify(records);
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
    if (!record || typeof record !== 'object') continue;
    const { seq, ...shared } = record as Partial<TaskEventRun> & Record<string, unknown>;
    if (Array.isArray(seq)) {
      for (const part of seq as unknown[]) {
        if (part && typeof part === 'object' && typeof (part as TaskEvent).type === 'string') events.push({ ...shared, ...(part as TaskEvent) });
      }
    } else if (typeof (record as TaskEvent).type === 'string') {
      events.push(record as TaskEvent);
    }
  }
  // Stable: events of one ms keep the order they were emitted in within their task.
  events.sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  return events.map((event, i) => ({ ...event, id: `${id}.${i}` }));
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
