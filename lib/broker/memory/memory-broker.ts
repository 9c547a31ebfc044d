import type { Broker, ControlMessage, DeadLetter, DebounceWindow, HeldLease, PublishRequest, RateTicket, ReserveResult, SettleOp } from '../ports/broker';
import { DEBOUNCE_RECORD_GRACE } from '../../constants';
import { NestTasksError } from '../../errors';
import { parseRate } from '../../utils/rate-limit';
import type { ResultRecord, ResultWrite } from '../../serialization/result-record';
import { isReadyState, TaskState } from '../../serialization/task-state';
import { MemoryQueue } from './memory-queue';
import type { MemoryQueues } from './memory-queues';
import type { CanvasStore } from '../ports/canvas-store';
import type { MonitoringStore, MonitoringStoreOptions } from '../ports/monitoring-store';
import type { ScheduleStore } from '../ports/schedule-store';
import { MemoryCanvasStore } from './memory-canvas-store';
import { MemoryEventStore } from './memory-event-store';
import { MemoryQueueAdmin } from './memory-queue-admin';
import { MemoryReplyChannel } from './memory-reply-channel';
import { MemoryScheduleStore } from './memory-schedule-store';
import { MemoryMinuteStats } from './memory-minute-stats';
import { MemoryWorkerDirectory } from './memory-worker-directory';
import { sortableCount } from '../../utils/sortable-count';

const DEAD_LETTERS_KEPT = 10_000;
/** States of a task that has not started: revoke marks these REVOKED. */
const NOT_STARTED: ReadonlySet<string> = new Set([TaskState.PENDING, TaskState.RECEIVED, TaskState.RETRY]);

/**
 * The embedded broker for one process (development, the sample, quick tests):
 * the same interface and the same semantics as the Redis broker, kept in memory.
 */
export class MemoryBroker implements Broker, MemoryQueues {
  readonly description = 'memory://';
  private readonly queues = new Map<string, MemoryQueue>();
  /** Queues published to, as the Redis broker's `queues` set: looking at a queue does not add it. */
  private readonly published = new Set<string>();
  private readonly results = new Map<string, { record: ResultRecord; expiresAt: number }>();
  private readonly resultWaiters = new Map<string, Set<(record: ResultRecord | null, error?: Error) => void>>();
  private readonly workWaiters = new Set<{ queues: string[]; wake: () => void }>();
  private readonly controlListeners = new Set<(message: ControlMessage) => void>();
  private readonly revoked = new Map<string, number>();
  /** Start slots by task, as in rate-limit.lua. */
  private readonly rates = new Map<string, { last: number; next: number; changed: number; interval?: number }>();
  /** Messages waiting for a rate slot, by task: id -> its queue and eta. */
  private readonly rateWaiting = new Map<string, Map<string, { queue: string; eta: number }>>();
  private readonly rateOverrides = new Map<string, string>();
  private readonly uniqueLocks = new Map<string, { id: string; expiresAt: number }>();
  /** Debounce windows by `<queue>:<key>`, as the records of publish-debounce.lua; swept when expired. */
  private readonly debounces = new Map<string, { id: string; first: number; due: number; expiresAt: number }>();
  private nextDebounceSweep = 0;
  /** Counts reservations: a lease token is unique per delivery. */
  private leaseSeq = 0;
  private closed = false;

  constructor(private readonly maxDeliveries = 10) {}

  private canvas?: CanvasStore;
  private schedules?: ScheduleStore;

  canvasStore(): CanvasStore {
    return (this.canvas ??= new MemoryCanvasStore(this));
  }

  scheduleStore(): ScheduleStore {
    return (this.schedules ??= new MemoryScheduleStore());
  }

  openMonitoringStore(options: MonitoringStoreOptions): MonitoringStore {
    const events = new MemoryEventStore(options.eventsMaxLen);
    const replies = new MemoryReplyChannel();
    return {
      admin: new MemoryQueueAdmin(this),
      events,
      workers: new MemoryWorkerDirectory(),
      replies,
      stats: new MemoryMinuteStats(),
      close: async () => {
        await Promise.allSettled([events.close(), replies.close()]);
      },
    };
  }

  async connect(): Promise<void> {
    this.closed = false;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.interrupt();
    for (const set of this.resultWaiters.values()) {
      for (const settle of set) settle(null, new NestTasksError('The broker was closed while waiting for a result'));
    }
    this.resultWaiters.clear();
  }

  async publish(requests: PublishRequest[]): Promise<void> {
    const now = Date.now();
    const touched = new Set<string>();
    for (const request of requests) {
      const q = this.queue(request.queue);
      this.published.add(request.queue);
      if (q.messages.has(request.id)) continue;
      q.messages.set(request.id, request.body);
      if (request.priority) q.priorities.set(request.id, request.priority);
      if (request.concurrency) q.keyOf.set(request.id, { ...request.concurrency });
      if (request.eta && request.eta > now) q.delayed.set(request.id, request.eta);
      else q.makeReady(request.id, false);
      touched.add(request.queue);
    }
    this.signal(touched);
  }

  async publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string> {
    const key = `${request.queue}:${lockKey}`;
    const now = Date.now();
    const holder = this.uniqueLocks.get(key);
    if (holder && holder.id !== request.id && holder.id !== revokedHolder && holder.expiresAt > now && this.queue(request.queue).messages.has(holder.id)) {
      return holder.id;
    }
    if (!this.queue(request.queue).messages.has(request.id)) {
      this.uniqueLocks.set(key, { id: request.id, expiresAt: now + lockTtlMs });
      await this.publish([request]);
    }
    return request.id;
  }

  async publishDebounced(request: PublishRequest, window: DebounceWindow, revokedHolder?: string): Promise<string> {
    const now = Date.now();
    this.sweepDebounces(now);
    const q = this.queue(request.queue);
    const key = `${request.queue}:${window.key}`;
    const record = this.debounces.get(key);
    // Waiting at the due time its window gave it: not promoted, leased, or back for a retry.
    if (record && record.expiresAt > now && record.id !== revokedHolder && q.delayed.get(record.id) === record.due) {
      let due = now + window.delay;
      if (window.maxWait) due = Math.min(due, record.first + window.maxWait);
      q.messages.set(record.id, request.body);
      if (request.priority) q.priorities.set(record.id, request.priority);
      else q.priorities.delete(record.id);
      // Waiting in the delayed set, the holder is not admitted yet: its key is the last call's.
      if (request.concurrency) q.keyOf.set(record.id, { ...request.concurrency });
      else q.keyOf.delete(record.id);
      q.delayed.set(record.id, due);
      record.due = due;
      record.expiresAt = Math.max(due, now) + DEBOUNCE_RECORD_GRACE;
      this.signal(new Set([request.queue]));
      return record.id;
    }
    if (!q.messages.has(request.id)) {
      const due = now + window.delay;
      this.debounces.set(key, { id: request.id, first: now, due, expiresAt: due + DEBOUNCE_RECORD_GRACE });
      await this.publish([{ ...request, eta: due }]);
    }
    return request.id;
  }

  /** Drops expired debounce records, at most once a second. */
  private sweepDebounces(now: number): void {
    if (now < this.nextDebounceSweep) return;
    this.nextDebounceSweep = now + 1000;
    for (const [key, record] of this.debounces) if (record.expiresAt <= now) this.debounces.delete(key);
  }

  async broadcast(message: ControlMessage): Promise<void> {
    const copy = JSON.parse(JSON.stringify(message)) as ControlMessage;
    queueMicrotask(() => {
      for (const listener of this.controlListeners) {
        try {
          listener(copy);
        } catch {
          // a listener's failure is its own
        }
      }
    });
  }

  async onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void> {
    this.controlListeners.add(listener);
    return () => this.controlListeners.delete(listener);
  }

  async rememberRevoked(ids: string[], until: number): Promise<void> {
    for (const id of ids) this.revoked.set(id, until);
  }

  async revokedIds(): Promise<string[]> {
    const now = Date.now();
    return [...this.revoked].filter(([, until]) => until > now).map(([id]) => id);
  }

  async acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }> {
    const now = Date.now();
    const state = this.rates.get(task) ?? { last: -Infinity, next: 0, changed: 0 };
    this.rates.set(task, state);
    const interval = state.interval ?? intervalMs;
    const start = () => {
      state.last = now;
      state.next = Math.max(state.next, now + interval);
      return { wait: 0 };
    };
    if (ticket && ticket.issued >= state.changed && ticket.slot > state.last) {
      const at = Math.max(ticket.slot, state.last + interval);
      return now >= at ? start() : { wait: Math.ceil(at - now), ticket };
    }
    const at = Math.max(state.next, state.last + interval);
    if (now >= at) return start();
    state.next = at + interval;
    return { wait: Math.ceil(at - now), ticket: { slot: at, issued: now } };
  }

  async setRateLimit(task: string, rate: string | null): Promise<void> {
    const parsed = rate === null ? null : parseRate(rate, `setRateLimit(${task})`);
    if (rate === null) this.rateOverrides.delete(task);
    else this.rateOverrides.set(task, rate);
    const now = Date.now();
    const state = this.rates.get(task);
    this.rates.set(task, { last: state?.last ?? -Infinity, next: 0, changed: now + 1, interval: parsed ? parsed.intervalMs / parsed.count : undefined });
    const touched = new Set<string>();
    for (const [id, { queue, eta }] of this.rateWaiting.get(task) ?? []) {
      const q = this.queue(queue);
      if (eta > now && q.delayed.get(id) === eta) {
        q.delayed.delete(id);
        q.pushReady(id, true);
        touched.add(queue);
      }
    }
    this.rateWaiting.delete(task);
    this.signal(touched);
  }

  async rateLimits(): Promise<Record<string, string>> {
    return Object.fromEntries(this.rateOverrides);
  }

  async reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult> {
    const q = this.queue(queue);
    const now = Date.now();
    const dead: ReserveResult['dead'] = [];
    // In reserve.lua's order: leases by deadline, then by token; a lease's ids by id.
    const leaseOf = (id: string) => q.leases.get(id) ?? '';
    const expired = [...q.active].filter(([, deadline]) => deadline <= now);
    for (const [id] of expired.sort((a, b) => a[1] - b[1] || byMember(leaseOf(a[0]), leaseOf(b[0])) || byMember(a[0], b[0]))) {
      q.unlease(id);
      const lost = (q.lost.get(id) ?? 0) + 1;
      q.lost.set(id, lost);
      if (lost >= this.maxDeliveries) {
        const reason = `delivered ${lost} times without finishing (maxDeliveries ${this.maxDeliveries})`;
        dead.push({ id, queue, body: q.messages.get(id) ?? null, reason });
        this.deadLetter(q, id, now, reason);
      } else {
        q.makeReady(id, true);
      }
    }
    const due = [...q.delayed].filter(([, eta]) => eta <= now).sort(byScoreThenId);
    for (const [id] of due) {
      q.delayed.delete(id);
      q.makeReady(id, false);
    }
    const messages: ReserveResult['messages'] = [];
    // One lease for the call, as reserve.lua makes.
    const lease = `m${sortableCount(++this.leaseSeq)}`;
    while (messages.length < max && q.hasReady) {
      const id = q.prio.length > 0 ? q.prio.shift()!.id : q.ready.shift()!;
      q.active.set(id, now + leaseMs);
      q.leases.set(id, lease);
      messages.push({ id, queue, body: q.messages.get(id) ?? null, delivery: (q.lost.get(id) ?? 0) + 1, lease });
    }
    const wakeAt = minOf(q.earliest(q.delayed), q.earliest(q.active));
    return { messages, dead, wakeAt, drained: messages.length < max };
  }

  waitForWork(queues: string[], timeoutMs: number): Promise<void> {
    if (this.closed || queues.some((name) => this.queue(name).hasReady)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter = {
        queues,
        wake: () => {
          clearTimeout(timer);
          this.workWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(1, timeoutMs));
      this.workWaiters.add(waiter);
    });
  }

  async interrupt(): Promise<void> {
    for (const waiter of [...this.workWaiters]) waiter.wake();
  }

  async settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    // Everything applies at the call, results first, as one Redis connection runs them in the
    // order written: a reserve made right after this call sees a retry it put back.
    const stored = this.storeResults(results);
    const now = Date.now();
    const touched = new Set<string>();
    for (const op of ops) {
      const q = this.queue(op.queue);
      if (op.kind === 'dead') {
        // As dead-letter.lua: a stale lease, or one no longer held (a repeated call), does nothing; '' leases nothing.
        if (op.lease !== '') {
          if (!q.isCurrentLease(op.id, op.lease)) continue;
          q.unlease(op.id);
        }
        this.deadLetter(q, op.id, now, op.reason, op.raw);
        touched.add(op.queue);
        continue;
      }
      // A stale lease, or one no longer held (a repeated call, acked or dead-lettered meanwhile), does nothing.
      if (!q.isCurrentLease(op.id, op.lease)) continue;
      q.unlease(op.id);
      if (op.kind === 'ack') {
        if (q.forget(op.id) > 0) touched.add(op.queue);
      } else if (op.kind === 'requeue') {
        if (op.body !== '') q.messages.set(op.id, op.body);
        q.lost.delete(op.id);
        // A retry gives up its key's slot and waits for one again.
        q.releaseSlot(op.id);
        if (op.eta > now) q.delayed.set(op.id, op.eta);
        else q.makeReady(op.id, false);
        touched.add(op.queue);
      } else if (op.kind === 'rate-wait') {
        q.messages.set(op.id, op.body);
        q.lost.delete(op.id);
        touched.add(op.queue);
        if ((this.rates.get(op.task)?.changed ?? 0) > op.issued) {
          // Its ticket predates a rate change: take a new slot at the new rate.
          q.pushReady(op.id, true);
          continue;
        }
        q.delayed.set(op.id, op.eta);
        let waiting = this.rateWaiting.get(op.task);
        if (!waiting) this.rateWaiting.set(op.task, (waiting = new Map()));
        for (const [id, entry] of waiting) if (entry.eta <= now) waiting.delete(id);
        waiting.set(op.id, { queue: op.queue, eta: op.eta });
      } else {
        const lost = op.lost ? (q.lost.get(op.id) ?? 0) + 1 : 0;
        if (op.lost) q.lost.set(op.id, lost);
        if (lost >= this.maxDeliveries) {
          this.deadLetter(q, op.id, now, `its process died ${lost} times (maxDeliveries ${this.maxDeliveries})`);
          touched.add(op.queue);
        } else {
          q.makeReady(op.id, true);
          touched.add(op.queue);
        }
      }
    }
    this.signal(touched);
    await stored;
  }

  async extendLeases(queue: string, leases: HeldLease[], leaseMs: number): Promise<void> {
    const q = this.queue(queue);
    const deadline = Date.now() + leaseMs;
    // A lease is its reserve call's, as in extend-leases.lua: all its ids still held go on.
    const tokens = new Set<string>();
    for (const { id, lease } of leases) if (q.isCurrentLease(id, lease)) tokens.add(lease);
    if (tokens.size === 0) return;
    for (const [id, token] of q.leases) if (tokens.has(token)) q.active.set(id, deadline);
  }

  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    return this.queue(queue)
      .dead.slice(0, limit)
      .map((entry) => ({ queue, ...(JSON.parse(entry) as Omit<DeadLetter, 'queue'>) }));
  }

  async dueTimes(ids: readonly string[]): Promise<Map<string, number>> {
    const due = new Map<string, number>();
    for (const q of this.queues.values()) {
      for (const id of ids) {
        const eta = q.delayed.get(id);
        if (eta !== undefined) due.set(id, Math.max(due.get(id) ?? 0, eta));
      }
    }
    return due;
  }

  async knownQueues(): Promise<string[]> {
    return [...this.published];
  }

  async queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    const q = this.queue(queue);
    return { ready: q.ready.length + q.prio.length, delayed: q.delayed.size, active: q.active.size };
  }

  async storeResults(writes: ResultWrite[]): Promise<void> {
    const now = Date.now();
    for (const { record, ttl, keepReady } of writes) {
      const kept = this.results.get(record.id);
      if (keepReady && kept && kept.expiresAt > now && isReadyState(kept.record.state)) continue;
      const copy = JSON.parse(JSON.stringify(record)) as ResultRecord;
      this.results.set(record.id, { record: copy, expiresAt: Date.now() + ttl });
      if (isReadyState(record.state)) {
        for (const settle of [...(this.resultWaiters.get(record.id) ?? [])]) settle(copyRecord(copy));
      }
    }
  }

  async getResult(id: string): Promise<ResultRecord | null> {
    const entry = this.results.get(id);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.results.delete(id);
      return null;
    }
    return copyRecord(entry.record);
  }

  async deleteResult(id: string): Promise<void> {
    this.results.delete(id);
  }

  /** As revoke-results.lua: each id's check and write in one synchronous step. */
  async markRevoked(ids: string[], ttl: number): Promise<string[]> {
    const now = Date.now();
    const marked: string[] = [];
    for (const id of ids) {
      const kept = this.results.get(id);
      const record = kept && kept.expiresAt > now ? kept.record : undefined;
      if (record && !NOT_STARTED.has(record.state)) continue;
      const revoked: ResultRecord = { ...record, id, state: TaskState.REVOKED, reason: 'revoked', finishedAt: now };
      this.results.set(id, { record: revoked, expiresAt: now + ttl });
      for (const settle of [...(this.resultWaiters.get(id) ?? [])]) settle(copyRecord(revoked));
      marked.push(id);
    }
    return marked;
  }

  async waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null> {
    // Read and register in one synchronous step: a result stored in between would be missed.
    const kept = this.results.get(id);
    if (kept && kept.expiresAt > Date.now() && isReadyState(kept.record.state)) return copyRecord(kept.record);
    if (this.closed) throw new NestTasksError('The broker is closed');
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (record: ResultRecord | null, error?: Error) => {
        if (timer) clearTimeout(timer);
        const set = this.resultWaiters.get(id);
        set?.delete(settle);
        if (set?.size === 0) this.resultWaiters.delete(id);
        if (error) reject(error);
        else resolve(record);
      };
      let set = this.resultWaiters.get(id);
      if (!set) this.resultWaiters.set(id, (set = new Set()));
      set.add(settle);
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(null), timeoutMs);
    });
  }

  private queue(name: string): MemoryQueue {
    let q = this.queues.get(name);
    if (!q) this.queues.set(name, (q = new MemoryQueue()));
    return q;
  }

  private deadLetter(q: MemoryQueue, id: string, now: number, reason: string, raw?: string | null): void {
    const body = raw || q.messages.get(id);
    q.dead.unshift(JSON.stringify({ id, reason, at: now, raw: body ?? null }));
    if (q.dead.length > DEAD_LETTERS_KEPT) q.dead.length = DEAD_LETTERS_KEPT;
    q.forget(id);
  }

  private signal(queues: Set<string>): void {
    if (queues.size === 0) return;
    for (const waiter of [...this.workWaiters]) {
      if (waiter.queues.some((name) => queues.has(name))) waiter.wake();
    }
  }

  // ---- for lib/monitoring's MemoryQueueAdmin (purge, dead letters, listings) -------------------

  /** Names of the queues messages were published to. */
  queueNames(): string[] {
    return [...this.published];
  }

  /** One queue's state (created if new); the admin changes it in place. */
  queueState(name: string): MemoryQueue {
    return this.queue(name);
  }

  /** Up to `limit` stored results that have not expired. */
  resultRecords(limit: number): ResultRecord[] {
    const now = Date.now();
    const out: ResultRecord[] = [];
    for (const { record, expiresAt } of this.results.values()) {
      if (expiresAt > now) out.push(record);
      if (out.length >= limit) break;
    }
    return out;
  }
}

/** Every reader gets a record of its own, as each read from Redis does. */
function copyRecord(record: ResultRecord): ResultRecord {
  return JSON.parse(JSON.stringify(record)) as ResultRecord;
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

/** The order of members of equal score in a Redis sorted set. */
function byMember(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A Redis sorted set's order: by score, then by member. */
function byScoreThenId(a: [string, number], b: [string, number]): number {
  return a[1] - b[1] || byMember(a[0], b[0]);
}
