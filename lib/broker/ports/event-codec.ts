import type { TaskEvent } from '../../serialization/task-event';
import type { StoredEvent } from './stored-event';

const MAX_ARGS_CHARS = 2048;

/** The arguments as stored: as sent, or a truncated JSON string past 2 KiB. */
function keptArgs(args: unknown): unknown {
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

function own(event: TaskEvent): TaskEventRun['seq'][number] {
  const { taskId: _id, task: _task, queue: _queue, worker: _worker, retries: _retries, ...rest } = event;
  return rest.args === undefined ? rest : { ...rest, args: keptArgs(rest.args) as unknown[] };
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
      records.push(event.args === undefined ? event : { ...event, args: keptArgs(event.args) as unknown[] });
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
