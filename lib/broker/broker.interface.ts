import type { ResultRecord, ResultWrite } from '../serialization/result-record';

/** A message to enqueue. `body` is the encoded TaskMessage. */
export interface PublishRequest {
  id: string;
  queue: string;
  body: string;
  /** Not before this time, ms; absent or past means now. */
  eta?: number;
  priority?: number;
}

/** A message leased to a worker. `body` is null when the id had no stored message. */
export interface ReservedMessage {
  id: string;
  queue: string;
  body: string | null;
  /** 1 on first delivery; grows each time a lease ran out (a lost worker). */
  delivery: number;
}

export interface ReserveResult {
  messages: ReservedMessage[];
  /** Earliest time a delayed message or a lease comes due in this queue, ms; null if none. */
  wakeAt: number | null;
}

/** How a worker settles a reserved message. All of one flush travel together. */
export type SettleOp =
  /** Done: remove the message. */
  | { kind: 'ack'; queue: string; id: string; delivery: number }
  /** Retry: replace the body ('' keeps it) and schedule it again (eta in ms, 0 = now). */
  | { kind: 'requeue'; queue: string; id: string; delivery: number; body: string; eta: number }
  /** Wait for a rate-limit start slot until `eta`, unleased; the body carries the slot's ticket (`issued` then). */
  | { kind: 'rate-wait'; queue: string; id: string; delivery: number; body: string; eta: number; task: string; issued: number }
  /** Give it back untouched, at the front of the queue (shutdown); `lost`: its process died, count it. */
  | { kind: 'release'; queue: string; id: string; delivery: number; lost?: boolean }
  /** Cannot be processed: move it to the queue's dead-letter list with the reason. */
  | { kind: 'dead'; queue: string; id: string; delivery: number; raw: string | null; reason: string };

/** A start slot of a rate-limited task reserved for one message; void once the rate changes after `issued`. */
export interface RateTicket {
  slot: number;
  issued: number;
}

/** A message to every worker and client of the namespace (revocations, rate limits, remote control). */
export interface ControlMessage {
  type: string;
  [key: string]: unknown;
}

/** One entry of a dead-letter list. */
export interface DeadLetter {
  id: string;
  queue: string;
  raw: string | null;
  reason: string;
  at: number;
}

/**
 * The one interface between the library and where messages and results live.
 * The Redis broker is the product; the memory broker serves one process.
 */
export interface Broker {
  /** Safe to print: the address without credentials. */
  readonly description: string;
  connect(): Promise<void>;
  close(): Promise<void>;

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
  extendLeases(queue: string, ids: string[], leaseMs: number): Promise<void>;
  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** Messages waiting now (ready) and later (delayed) in `queue`. */
  queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }>;

  /** Sends a control message to every subscriber of the namespace. */
  broadcast(message: ControlMessage): Promise<void>;
  /** Listens to control messages; resolves once subscribed, with a function that stops listening. */
  onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void>;
  /** Remembers revoked ids until `until` (ms timestamp), for workers that start later. */
  rememberRevoked(ids: string[], until: number): Promise<void>;
  /** Ids revoked and not yet forgotten. */
  revokedIds(): Promise<string[]>;
  /**
   * Asks to start one run of a rate-limited task, shared by every worker: `wait` 0 means
   * start now (the start is counted); otherwise wait that many ms and ask again with the
   * `ticket` of the start slot reserved for the caller, so nobody overtakes it meanwhile.
   */
  acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }>;
  /**
   * Runtime rate-limit overrides by task name (null clears one). Takes effect at once:
   * tickets handed out under the old rate are void, and the task's messages waiting
   * for a slot come back now to be spaced at the new rate.
   */
  setRateLimit(task: string, rate: string | null): Promise<void>;
  rateLimits(): Promise<Record<string, string>>;

  storeResults(writes: ResultWrite[]): Promise<void>;
  getResult(id: string): Promise<ResultRecord | null>;
  /** Resolves with the record once it is in a ready state (SUCCESS, FAILURE, REVOKED); null on timeout. */
  waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null>;
  deleteResult(id: string): Promise<void>;
}
