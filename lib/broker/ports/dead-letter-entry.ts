import { decodeStored } from './stored-message';
import type { DeadLetterEntry } from './queue-admin';

/** Parses one stored dead-letter entry (JSON `{ id, reason, at, raw }`) of `queue`. */
export function parseDeadLetter(queue: string, entry: string): DeadLetterEntry {
  let parsed: { id?: unknown; reason?: unknown; at?: unknown; raw?: unknown } = {};
  try {
    parsed = JSON.parse(entry) as typeof parsed;
  } catch {
    parsed = { reason: 'unreadable dead letter', raw: entry };
  }
  const raw = typeof parsed.raw === 'string' ? parsed.raw : null;
  const out: DeadLetterEntry = {
    id: typeof parsed.id === 'string' ? parsed.id : '',
    queue,
    reason: String(parsed.reason ?? ''),
    at: Number(parsed.at) || 0,
    raw,
    message: null,
    entry,
  };
  if (raw !== null) {
    try {
      out.message = decodeStored(raw, out.id, queue);
    } catch (error) {
      out.decodeError = (error as Error).message;
    }
  } else {
    out.decodeError = 'no message was stored';
  }
  return out;
}
