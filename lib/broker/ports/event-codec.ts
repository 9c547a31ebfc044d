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

export function decodeEvent(id: string, json: string): StoredEvent | null {
  try {
    const event = JSON.parse(json) as TaskEvent;
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') return null;
    return { ...event, id };
  } catch {
    return null;
  }
}
