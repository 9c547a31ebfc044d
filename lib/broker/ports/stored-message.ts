import { parseShardName } from '../../config/shard-names';
import { decodeMessage, type StoredAt, type TaskMessage } from '../../serialization/task-message';

/** Where a message stored under `id` in `physicalQueue` (a queue, or a shard of one) was read. */
export function storedAt(id: string, physicalQueue: string): StoredAt {
  return { id, queue: parseShardName(physicalQueue).queue };
}

/** decodeMessage of a body stored under `id` in `physicalQueue`. */
export function decodeStored(raw: string, id: string, physicalQueue: string): TaskMessage {
  return decodeMessage(raw, storedAt(id, physicalQueue));
}

/** decodeStored, or null when there is no body or it cannot be read. */
export function tryDecodeStored(raw: string | null | undefined, id: string, physicalQueue: string): TaskMessage | null {
  if (!raw) return null;
  try {
    return decodeStored(raw, id, physicalQueue);
  } catch {
    return null;
  }
}
