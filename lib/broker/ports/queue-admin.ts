import type { ResultRecord } from '../../serialization/result-record';
import type { TaskMessage } from '../../serialization/task-message';

/** How many messages a queue holds, by state. */
export interface QueueCounts {
  /** Waiting to run now. */
  ready: number;
  /** Waiting for their eta (countdown, retries). */
  delayed: number;
  /** Leased to a worker: running or about to. */
  active: number;
  /** In the dead-letter list. */
  dead: number;
  /** Waiting for a slot of their concurrency key (not in `ready`); absent when none. */
  keyWaiting?: number;
  /**
   * `'celery'` for a queue in Celery's wire format: `ready` counts kombu's four lists,
   * `active` its messages in kombu's `unacked` (held by any worker, Python or Node, or
   * parked until their eta), `delayed` is 0.
   */
  protocol?: 'native' | 'celery';
}

/** A concurrency key whose tasks wait for a slot. */
export interface ConcurrencyKeyInfo {
  /** The key, as `Task.name:key`. */
  key: string;
  /** Its tasks that hold a slot: ready to fetch, running, or waiting for a rate-limit slot. */
  admitted: number;
  /** Its tasks waiting for a slot. */
  waiting: number;
}

/** A message waiting for its eta. */
export interface ScheduledMessage {
  id: string;
  queue: string;
  eta: number;
  /** Null when the stored message cannot be decoded. */
  message: TaskMessage | null;
}

/** One dead letter, with the exact stored entry (requeue and delete act on it). */
export interface DeadLetterEntry {
  id: string;
  queue: string;
  reason: string;
  at: number;
  raw: string | null;
  /** The raw message decoded, or null when it is not a valid message. */
  message: TaskMessage | null;
  /** Why `message` is null, when `raw` is there. */
  decodeError?: string;
  /** The entry as stored (opaque). */
  readonly entry: string;
}

/**
 * Operator actions on queues that the broker's hot-path interface does not need:
 * purge, dead letters, delayed listings, kept messages of failed tasks. One Redis
 * implementation (Lua for every multi-key change) and one for the memory broker.
 */
export interface QueueAdmin {
  /** Round trip to the store, ms. Throws when it cannot be reached. */
  ping(): Promise<number>;
  /** Every queue name used in this namespace. */
  queueNames(): Promise<string[]>;
  counts(queue: string): Promise<QueueCounts>;
  /** Concurrency keys of `queue` with the most tasks waiting for a slot, most first. */
  concurrencyKeys(queue: string, limit: number): Promise<ConcurrencyKeyInfo[]>;
  /**
   * Removes every waiting message (ready and delayed) of `queue`, in chunks; `onChunk`
   * gets the ids each chunk removed (their tasks are then marked) and the progress.
   */
  purge(queue: string, onChunk?: (purged: string[], removed: number, remaining: number) => Promise<void> | void): Promise<number>;
  /** Delayed messages, soonest first. */
  scheduled(queue: string, limit: number): Promise<ScheduledMessage[]>;
  /** The stored message of a task still queued or running in `queue`. */
  message(queue: string, id: string): Promise<TaskMessage | null>;
  /** Newest first. */
  deadLetters(queue: string, offset: number, limit: number): Promise<DeadLetterEntry[]>;
  /** The newest dead letter with that id, or null. */
  findDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null>;
  /** Enqueues `body` in place of the entry: 1 done, 0 entry gone, -1 the id is already queued. */
  requeueDeadLetter(entry: DeadLetterEntry, body: string, priority: number): Promise<1 | 0 | -1>;
  /** True when the entry was there. */
  deleteDeadLetter(entry: DeadLetterEntry): Promise<boolean>;
  /** Keeps a failed task's message (for retry) as long as its result. */
  keepMessage(message: TaskMessage, ttl: number): Promise<void>;
  keptMessage(id: string): Promise<TaskMessage | null>;
  dropKeptMessage(id: string): Promise<void>;
  /** Results stored in this namespace (a bounded scan, for when there are no events). */
  sampleResults(limit: number): Promise<ResultRecord[]>;
  getResults(ids: string[]): Promise<Array<ResultRecord | null>>;
}
