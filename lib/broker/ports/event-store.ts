import type { TaskEvent } from '../../serialization/task-event';
import type { StoredEvent } from './stored-event';

/** Where events go: a capped Redis stream, or a ring buffer for the memory broker. */
export interface EventStore {
  append(events: TaskEvent[]): Promise<void>;
  /** The newest events, newest first. */
  recent(limit: number): Promise<StoredEvent[]>;
  /** Every event of one task still kept, oldest first. */
  forTask(taskId: string): Promise<StoredEvent[]>;
  /** Events after `afterId`, oldest first, waiting up to `blockMs` for the first one. */
  readAfter(afterId: string, count: number, blockMs: number): Promise<StoredEvent[]>;
  /** The id of the newest event ('0-0' when there is none): a tail starts after it. */
  lastId(): Promise<string>;
  /** Ends a pending `readAfter` and frees its connection. */
  close(): Promise<void>;
}
