import type { ResultWrite } from '../../serialization/result-record';
import type { ConcurrencyKey } from '../../serialization/task-message';

/** A message to enqueue. `body` is the encoded TaskMessage. */
export interface PublishRequest {
  id: string;
  queue: string;
  body: string;
  /** Not before this time, ms; absent or past means now. */
  eta?: number;
  priority?: number;
  /** At most `limit` messages of this queue with the same `key` are leased or ready at a time; the others wait in the key's line. */
  concurrency?: ConcurrencyKey;
}

/** What a backend needs to debounce one message (MessageQueue.publishDebounced). */
export interface DebounceWindow {
  /** `<task name>:<key>`: keys are scoped per task. */
  key: string;
  /** ms (> 0). */
  delay: number;
  /** ms (>= delay); absent: none. */
  maxWait?: number;
}

/** A message leased to a worker. `body` is null when the id had no stored message. */
export interface ReservedMessage {
  id: string;
  queue: string;
  body: string | null;
  /**
   * Deliveries of this attempt: 1 on first delivery; grows each time a lease ran out or
   * its process died (a lost worker); a retry starts it again. Counts towards maxDeliveries.
   */
  delivery: number;
  /**
   * The token of this delivery's lease: no other delivery of this id ever has it. Every
   * settle op and lease extension presents it with the id; once the lease is gone (it
   * ran out, or the message was settled) the token is stale, and what presents it does
   * nothing.
   */
  lease: string;
}

/** A message leased to a worker, as the worker names it to extend its lease. */
export interface HeldLease {
  id: string;
  lease: string;
}

/** A message the reserve moved to the dead-letter list (its lease ran out maxDeliveries times). */
export interface DeadLettered {
  id: string;
  /** The queue (or shard) it was in. */
  queue: string;
  /** The stored message, or null when there was none. */
  body: string | null;
  reason: string;
}

export interface ReserveResult {
  messages: ReservedMessage[];
  /** Messages this reserve dead-lettered, so that their tasks can be failed and their workflows go on. */
  dead: DeadLettered[];
  /** Earliest time a delayed message or a lease comes due in this queue, ms; null if none. */
  wakeAt: number | null;
  /**
   * True when this reserve left no ready message in the queue, and `waitForWork` on it
   * returns as soon as one is published: a worker may wait at once instead of asking again.
   * Absent where waiting polls (Celery's queues).
   */
  drained?: boolean;
}

/**
 * How a worker settles a reserved message. All of one flush travel together. Each op
 * presents the `lease` its message was reserved with: one whose lease is stale (it ran
 * out, or the message was settled) does nothing.
 */
export type SettleOp =
  /** Done: remove the message. */
  | { kind: 'ack'; queue: string; id: string; lease: string }
  /** Retry: replace the body ('' keeps it) and schedule it again (eta in ms, 0 = now). */
  | { kind: 'requeue'; queue: string; id: string; lease: string; body: string; eta: number }
  /** Wait for a rate-limit start slot until `eta`, unleased; the body carries the slot's ticket (`issued` then). */
  | { kind: 'rate-wait'; queue: string; id: string; lease: string; body: string; eta: number; task: string; issued: number }
  /** Give it back untouched, at the front of the queue (shutdown); `lost`: its process died, count it. */
  | { kind: 'release'; queue: string; id: string; lease: string; lost?: boolean }
  /**
   * Cannot be processed: move it to the queue's dead-letter list with the reason.
   * `lease` '' (tools and tests): a message that no worker leases.
   */
  | { kind: 'dead'; queue: string; id: string; lease: string; raw: string | null; reason: string };

/** One entry of a dead-letter list. */
export interface DeadLetter {
  id: string;
  queue: string;
  raw: string | null;
  reason: string;
  at: number;
}

/** Where messages wait, are leased to workers and settled. */
export interface MessageQueue {
  publish(requests: PublishRequest[]): Promise<void>;
  /** Leases up to `max` messages of `queue` for `leaseMs`, promoting due delayed ones first. */
  reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult>;
  /** Resolves when any of `queues` may have work, when `timeoutMs` passes, or on `interrupt()`. */
  waitForWork(queues: string[], timeoutMs: number): Promise<void>;
  /** Ends every pending `waitForWork` now. */
  interrupt(): Promise<void>;
  /**
   * Unique tasks: publishes `request` unless a task holding `lockKey` is still queued or
   * running; returns the id that holds the lock (the new one, or the existing one).
   * `revokedHolder`: a holder known to be revoked (still queued until a worker drops it)
   * loses the lock to this request.
   */
  publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string>;
  /** Result writes go first, then the message operations; one round trip where possible. */
  settle(ops: SettleOp[], results: ResultWrite[]): Promise<void>;
  /**
   * Extends the leases still held (their token current) to `leaseMs` from now; a stale one is left alone.
   * A broker may lease one reserve call's messages together (Redis does): extending one of them
   * then extends the others of its call still held, which a worker extends anyway.
   */
  extendLeases(queue: string, leases: HeldLease[], leaseMs: number): Promise<void>;
  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** When each of `ids` is due, for those waiting in the delayed set of any queue of the namespace. */
  dueTimes(ids: readonly string[]): Promise<Map<string, number>>;
  /** Messages waiting now (ready) and later (delayed) in `queue`. */
  queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }>;
  /** Every queue of the namespace messages were ever published to (shards included, by their own names). */
  knownQueues(): Promise<string[]>;
  /**
   * Optional: `id` (a fresh UUID) fitted to `queue`, so that the backend keeps the task's
   * result where it keeps the queue (on a Redis Cluster, in the same slot: a worker's
   * results and acknowledgements of one fetch then go in one call). Still a UUID.
   */
  alignTaskId?(queue: string, id: string): string;
  /**
   * Debounce: while a message of `window.key` still waits in the delayed set of
   * `request.queue` (not promoted, not leased), this call joins it: its body becomes
   * `request.body` with the waiting message's id in place of `request.id`, its priority
   * the request's, and it is due `window.delay` from now (no later than its window's
   * first call + `window.maxWait`). Otherwise `request` opens a new window, due
   * `window.delay` from now (`request.eta` is not read). Returns the id that runs: the
   * waiting one, or `request.id`. The window's record expires by itself.
   * `revokedHolder`: a waiting message known to be revoked opens a new window instead.
   */
  publishDebounced(request: PublishRequest, window: DebounceWindow, revokedHolder?: string): Promise<string>;
}
