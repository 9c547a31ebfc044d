import type { TaskEvent } from '../../serialization/task-event';
import type { StoredEvent } from './stored-event';

const MAX_ARGS_CHARS = 2048;

/** One event as stored: compact JSON; arguments (when the sender gave them) capped at 2 KiB. */
export function encodeEvent(event: TaskEvent): string {
  const args = (event as { args?: unknown }).args;
  if (args === undefined) return JSON.stringify(event);
  let json: string | undefined;
  try {
    json = JSON.stringify(args);
  } catch {
    json = undefined;
  }
  const kept = json === undefined ? '[not JSON]' : json.length > MAX_ARGS_CHARS ? `${json.slice(0, MAX_ARGS_CHARS)}… (${json.length} chars)` : args;
  return JSON.stringify({ ...event, args: kept });
}

/** The events of a packed entry `id` (a JSON array), the i-th as `<id>.<i>`; what cannot be read is skipped. */
export function decodeEventBatch(id: string, json: string): StoredEvent[] {
  let batch: unknown;
  try {
    batch = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(batch)) return [];
  const events: StoredEvent[] = [];
  batch.forEach((event: unknown, i) => {
    if (event && typeof event === 'object' && typeof (event as TaskEvent).type === 'string') events.push({ ...(event as TaskEvent), id: `${id}.${i}` });
  });
  return events;
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
