import { randomBytes } from 'node:crypto';
import { DEBOUNCE_RECORD_GRACE } from '../../constants';
import type { ResultWrite } from '../../serialization/result-record';
import { encodeMessageJson } from '../../serialization/task-message';
import type { DeadLetter, DebounceWindow, HeldLease, MessageQueue, PublishRequest, ReserveResult, SettleOp } from '../ports/message-queue';
import type { ResultStore } from '../ports/result-store';
import { tryDecodeStored } from '../ports/stored-message';
import { ReplicationTimeoutError } from '../../errors';
import { alignId } from './cluster/aligned-id';
import { ClusterWakeWaiter } from './cluster/cluster-wake-waiter';
import { keySlot } from './cluster/key-slot';
import { mastersOf } from './cluster/masters-of';
import type { RedisCommands } from './redis-commands';
import { duplicateClient, type RedisClient } from './redis-client';
import { sortableCount } from '../../utils/sortable-count';

/** Most messages one publish script call takes. */
const PUBLISH_CHUNK = 1000;
/** A publish of more messages leaves in calls of this many, one tick each (see publishNow). */
const PUBLISH_SLICE = 250;
/** A tick's publishes of more messages than this leave in two halves while the pipeline is shallow (see publish). */
const SPLIT_AFTER = 32;
/** Publish script calls on their way below which a tick's publishes are split (see publish). */
const SPLIT_BELOW_DEPTH = 2;
/**
 * Most messages one reserve, acknowledgement or lease extension script call names: Lua's
 * unpack() stops at about 8,000 values, and a reserve of 4,000 (two values each for its
 * leases) failed. A larger reserve makes several calls.
 */
const IDS_PER_CALL = 1000;
const MAX_BLOCK_MS = 5000;
/** The BLPOP outlasts the local timer that ends a wait by this much. */
const BLOCK_SLACK_MS = 250;
const UNBLOCK_ATTEMPTS = 20;

/** A message's concurrency key as the queue scripts take it: '<limit>|<key>', '' for none. */
export function keyedArg(request: Pick<PublishRequest, 'concurrency'>): string {
  return request.concurrency ? `${request.concurrency.limit}|${request.concurrency.key}` : '';
}

/** A message's options for publish.lua: '' when due now with no priority and no key, else '<eta>|<priority>|<key>'. */
function publishOptions(request: PublishRequest, now: number): string {
  const eta = request.eta && request.eta > now ? request.eta : 0;
  const priority = request.priority ?? 0;
  if (eta === 0 && priority === 0 && !request.concurrency) return '';
  return `${eta}|${priority}|${keyedArg(request)}`;
}

/** One publish call waiting for the end of its tick. */
interface PendingPublish {
  requests: PublishRequest[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Queues in Redis: every transition is one Lua script over the queue's keys (one hash
 * tag per queue); idle workers block on the queue's wake list on a connection of
 * their own (on a Cluster, one per slot: cluster/cluster-wake-waiter.ts).
 */
export class RedisMessageQueue implements MessageQueue {
  private readonly remembered = new Set<string>();
  /** A reserve call's lease token is `<this broker's random id>.<count of its reserve calls>`, unique per call. */
  private readonly leaseId = randomBytes(6).toString('base64url');
  private reserveCalls = 0;
  /** Leased messages with a whole-JSON body, from a 0.2 producer: their results are announced to any subscriber (ResultWrite.announceToAnyone). */
  private readonly fromOldProducers = new Set<string>();
  /** The publish calls of this tick, sent at its end. */
  private pendingPublish?: PendingPublish[];
  /** Script calls of publishes sent and not yet answered. */
  private publishing = 0;
  /** Set while a large publish leaves in slices, one per tick. */
  private sliced?: Promise<void>;
  /** Set while the second half of a tick's publishes waits for its tick. */
  private splitting?: Promise<void>;
  private blocking?: RedisClient;
  private clusterWaiter?: ClusterWakeWaiter;
  private blockingId?: number;
  private closed = false;
  /** Ends each waitForWork() in progress. */
  private readonly wakes = new Set<() => void>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly results: ResultStore,
    private readonly maxDeliveries: number,
    private readonly replicationTimeout = 0,
  ) {}

  // ---- producing -------------------------------------------------------------------------

  /**
   * Publishes of one tick travel together: one script call per queue, however many
   * `delay()` calls made them. While fewer than SPLIT_BELOW_DEPTH publishes are on their
   * way, a tick's calls of more than SPLIT_AFTER messages leave in two halves, a tick apart:
   * the callers of the first half go on while Redis runs the second. With 100 `delay()`
   * calls in flight, a pipeline of up to three (not two) calls of 25-50 kept Redis and the
   * producer busier at once: 197-259k/s against 177-203k/s (medians of 8, 3 pairs).
   */
  publish(requests: PublishRequest[]): Promise<void> {
    if (requests.length === 0) return Promise.resolve();
    if (!this.pendingPublish) {
      const tick: PendingPublish[] = (this.pendingPublish = []);
      process.nextTick(() => {
        this.pendingPublish = undefined;
        this.sendTick(tick);
      });
    }
    return new Promise<void>((resolve, reject) => this.pendingPublish!.push({ requests, resolve, reject }));
  }

  private sendTick(calls: PendingPublish[]): void {
    let count = 0;
    for (const call of calls) count += call.requests.length;
    let split = calls.length;
    if (this.publishing < SPLIT_BELOW_DEPTH && count > SPLIT_AFTER) {
      // The first call that takes the first half past half the messages ends it.
      let first = 0;
      split = 0;
      while (split < calls.length && first < count / 2) first += calls[split++].requests.length;
    }
    this.sendCalls(calls.slice(0, split));
    if (split === calls.length) return;
    // Publishes made meanwhile wait for the second half.
    let issued!: () => void;
    this.splitting = new Promise<void>((resolve) => (issued = resolve));
    setImmediate(() => {
      this.splitting = undefined;
      issued();
      this.sendCalls(calls.slice(split));
    });
  }

  private sendCalls(calls: PendingPublish[]): void {
    const requests = calls.length === 1 ? calls[0].requests : calls.flatMap((call) => call.requests);
    this.publishing++;
    this.publishNow(requests).then(
      () => {
        this.publishing--;
        for (const call of calls) call.resolve();
      },
      (error: unknown) => {
        this.publishing--;
        for (const call of calls) call.reject(error);
      },
    );
  }

  private async publishNow(requests: PublishRequest[]): Promise<void> {
    // A large publish still leaving in slices, or a second half, goes first: calls reach Redis in the order made.
    while (this.sliced || this.splitting) await (this.sliced ?? this.splitting);
    const now = Date.now();
    const byQueue = new Map<string, PublishRequest[]>();
    for (const request of requests) {
      let list = byQueue.get(request.queue);
      if (!list) byQueue.set(request.queue, (list = []));
      list.push(request);
    }
    const calls: Promise<unknown>[] = [];
    const slice = requests.length > PUBLISH_SLICE ? PUBLISH_SLICE : PUBLISH_CHUNK;
    let endSlicing: (() => void) | undefined;
    try {
      let unsent = 0;
      for (const [queue, list] of byQueue) {
        const known = this.remember(queue);
        if (known) calls.push(known);
        for (let start = 0; start < list.length; start += slice) {
          if (unsent >= slice) {
            // The socket is corked until the next tick: let the calls so far leave, and
            // Redis run them while the next one is put together.
            if (!endSlicing) this.sliced = new Promise<void>((resolve) => (endSlicing = resolve));
            await new Promise<void>((resolve) => setImmediate(resolve));
            unsent = 0;
          }
          const end = Math.min(list.length, start + slice);
          const args: Array<string | number> = [now];
          for (let i = start; i < end; i++) args.push(list[i].id, list[i].body, publishOptions(list[i], now));
          const call = this.commands.queueScript('ntPublish', queue, args);
          // Awaited below, with the others; until then a failure must not count as unhandled.
          call.catch(() => undefined);
          calls.push(call);
          unsent += end - start;
        }
      }
    } finally {
      if (endSlicing) {
        this.sliced = undefined;
        endSlicing();
      }
    }
    if (this.replicationTimeout > 0) calls.push(this.replicated([...byQueue.keys()], requests.map((r) => r.id)));
    await Promise.all(calls);
  }

  /**
   * Resolves once a replica has what this connection wrote to the queues' masters (WAIT,
   * sent after the writes on the same connection); ReplicationTimeoutError when none does in time.
   */
  private async replicated(queues: string[], ids: string[]): Promise<void> {
    const nodes = this.commands.cluster ? mastersOf(this.commands.redis, queues.map((q) => this.commands.keys.queue(q).ready)) : [this.commands.redis];
    const acked = await Promise.all(nodes.map((node) => this.commands.send(() => node.wait(1, this.replicationTimeout))));
    if (acked.some((replicas) => Number(replicas) < 1)) throw new ReplicationTimeoutError(ids, this.replicationTimeout);
  }

  async publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string> {
    const { id, queue, body, eta, priority } = request;
    const now = Date.now();
    const lock = this.commands.keys.uniqueLock(queue, lockKey);
    const args = [now, id, body, eta && eta > now ? eta : 0, priority ?? 0, Math.ceil(lockTtlMs), revokedHolder ?? '', keyedArg(request)];
    const [holder] = await Promise.all([
      this.commands.queueScript('ntPublishUnique', queue, args, [lock]),
      this.remember(queue),
      this.replicationTimeout > 0 ? this.replicated([queue], [id]) : undefined,
    ]);
    return String(holder);
  }

  async publishDebounced(request: PublishRequest, window: DebounceWindow, revokedHolder?: string): Promise<string> {
    const { id, queue, body, priority } = request;
    const record = this.commands.keys.debounce(queue, window.key);
    const args = [Date.now(), id, body, Math.ceil(window.delay), Math.ceil(window.maxWait ?? 0), priority ?? 0, DEBOUNCE_RECORD_GRACE, revokedHolder ?? '', keyedArg(request)];
    const [holder] = await Promise.all([
      this.commands.queueScript('ntPublishDebounce', queue, args, [record]),
      this.remember(queue),
      this.replicationTimeout > 0 ? this.replicated([queue], [id]) : undefined,
    ]);
    return String(holder);
  }

  /** Adds a queue to the namespace's queue set the first time this broker publishes to it (tools, rate-limit release). */
  private remember(queue: string): Promise<unknown> | undefined {
    if (this.remembered.has(queue)) return undefined;
    this.remembered.add(queue);
    return this.commands.send((r) => r.sadd(this.commands.keys.queues, queue));
  }

  // ---- consuming -------------------------------------------------------------------------

  async reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult> {
    const first = await this.reserveOnce(queue, Math.min(max, IDS_PER_CALL), leaseMs);
    if (max <= IDS_PER_CALL) return first;
    // More than one call leases: further calls while each fills up.
    const { messages, dead } = first;
    let last = first;
    while (last.messages.length === IDS_PER_CALL && messages.length < max) {
      last = await this.reserveOnce(queue, Math.min(max - messages.length, IDS_PER_CALL), leaseMs);
      messages.push(...last.messages);
      dead.push(...last.dead);
    }
    return { messages, dead, wakeAt: last.wakeAt, drained: last.drained };
  }

  private async reserveOnce(queue: string, count: number, leaseMs: number): Promise<ReserveResult> {
    // Tokens sort as they were made: leases of one deadline run out in that order (reserve.lua).
    const lease = `${this.leaseId}.${sortableCount(++this.reserveCalls)}`;
    const reply = (await this.commands.queueScript('ntReserve', queue, [Date.now(), count, leaseMs, this.maxDeliveries, lease])) as
      | Array<string | number | null>;
    const dead: ReserveResult['dead'] = [];
    const deadEnd = 2 + 3 * Number(reply[1]);
    for (let i = 2; i < deadEnd; i += 3) {
      dead.push({ id: String(reply[i]), queue, body: typeof reply[i + 1] === 'string' ? (reply[i + 1] as string) : null, reason: String(reply[i + 2]) });
    }
    const messages: ReserveResult['messages'] = [];
    for (let i = deadEnd; i + 2 < reply.length; i += 3) {
      const body = reply[i + 1] as string | null;
      // '{': a whole-JSON body, as only 0.2 producers write to a queue (docs/internals.md#message-format).
      if (body !== null && body.charCodeAt(0) === 123) this.fromOldProducers.add(String(reply[i]));
      messages.push({ id: String(reply[i]), queue, body, delivery: Number(reply[i + 2]), lease });
    }
    const wakeAt = Number(reply[0]);
    // Fewer than asked: none was left ready, and the next publish pushes a wake token.
    return { messages, dead, wakeAt: wakeAt >= 0 ? wakeAt : null, drained: messages.length < count };
  }

  /**
   * Blocks on the queues' wake lists. The wait ends on a local timer, not on the BLPOP
   * timeout: Redis checks those only every ~100 ms (hz 10), which would make delayed
   * tasks late; and interrupt() ends it even before the BLPOP has reached Redis.
   */
  async waitForWork(queues: string[], timeoutMs: number): Promise<void> {
    if (this.closed) return;
    const waitMs = Math.max(1, Math.min(timeoutMs, MAX_BLOCK_MS));
    let woken = false;
    let wake!: () => void;
    const wokenUp = new Promise<false>((resolve) => {
      wake = () => {
        woken = true;
        resolve(false);
      };
    });
    this.wakes.add(wake);
    const timer = setTimeout(wake, waitMs);
    try {
      if (this.commands.cluster) {
        this.clusterWaiter ??= new ClusterWakeWaiter(this.commands, ((MAX_BLOCK_MS + BLOCK_SLACK_MS) / 1000).toFixed(3));
        await this.clusterWaiter.wait(
          queues.map((q) => this.commands.keys.queue(q).wake),
          wokenUp,
        );
        return;
      }
      const blocking = await this.blockingConnection();
      if (woken) return;
      const seconds = ((waitMs + BLOCK_SLACK_MS) / 1000).toFixed(3);
      const pop = blocking.blpop(...queues.map((q) => this.commands.keys.queue(q).wake), seconds).then(
        () => true,
        () => true,
      );
      if (!(await Promise.race([pop, wokenUp]))) await this.unblock(blocking, pop);
    } finally {
      clearTimeout(timer);
      this.wakes.delete(wake);
    }
  }

  async interrupt(): Promise<void> {
    for (const wake of [...this.wakes]) wake();
  }

  /** Ends a BLPOP given up on, so that the blocking connection is free for the next wait. */
  private async unblock(blocking: RedisClient, pop: Promise<boolean>): Promise<void> {
    let settled = false;
    let unblocked = false;
    void pop.then(() => (settled = true));
    for (let attempt = 0; attempt < UNBLOCK_ATTEMPTS && !settled && !unblocked; attempt++) {
      // 0: the BLPOP has not reached Redis yet (it travels on another connection), or just ended.
      unblocked = (await this.commands.redis.client('UNBLOCK', this.blockingId ?? -1).catch(() => 0)) === 1;
      if (!unblocked) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (settled || unblocked) return void (await pop);
    // Never saw it blocked: drop the connection and use a new one. Its BLPOP is not awaited:
    // dropped between reconnect attempts, ioredis never answers the commands it holds.
    if (this.blocking === blocking) {
      this.blocking = undefined;
      this.blockingId = undefined;
    }
    blocking.disconnect();
  }

  async settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    const old = this.fromOldProducers;
    const writes = old.size > 0 ? results.map((write) => (old.has(write.record.id) ? { ...write, announceToAnyone: true } : write)) : results;
    const calls: Promise<unknown>[] = [this.results.storeResults(writes)];
    const acks = new Map<string, Array<string | number>>();
    const now = Date.now();
    const max = this.maxDeliveries;
    for (const op of ops) {
      switch (op.kind) {
        case 'ack': {
          let list = acks.get(op.queue);
          if (!list) acks.set(op.queue, (list = []));
          list.push(op.id, op.lease);
          break;
        }
        case 'requeue':
          calls.push(this.commands.queueScript('ntRequeue', op.queue, [now, op.id, op.lease, this.keptFormat(op), op.eta, 'retry', max]));
          break;
        case 'rate-wait':
          calls.push(
            this.commands.queueScript('ntRateWait', op.queue, [now, op.id, op.lease, this.keptFormat(op), op.eta, op.issued, op.task], [
              this.commands.keys.rateWaiting(op.queue, op.task),
              this.commands.keys.rateChanges(op.queue),
            ]),
          );
          break;
        case 'release':
          calls.push(this.commands.queueScript('ntRequeue', op.queue, [now, op.id, op.lease, '', 0, op.lost ? 'lost' : 'release', max]));
          break;
        case 'dead':
          calls.push(this.commands.queueScript('ntDeadLetter', op.queue, [now, op.id, op.lease, op.raw ?? '', op.reason]));
          break;
      }
    }
    for (const [queue, args] of acks) {
      for (let at = 0; at < args.length; at += 2 * IDS_PER_CALL) calls.push(this.commands.queueScript('ntAck', queue, args.slice(at, at + 2 * IDS_PER_CALL)));
    }
    await Promise.all(calls);
    // A message sent back (keptFormat) is flagged again by whichever worker leases it next.
    if (old.size > 0) for (const op of ops) old.delete(op.id);
  }

  /** A message of a 0.2 producer goes back whole JSON, so that its next run still announces its result to any subscriber. */
  private keptFormat(op: { id: string; queue: string; body: string }): string {
    if (!this.fromOldProducers.has(op.id)) return op.body;
    const message = tryDecodeStored(op.body, op.id, op.queue);
    return message ? encodeMessageJson(message) : op.body;
  }

  async extendLeases(queue: string, leases: HeldLease[], leaseMs: number): Promise<void> {
    const deadline = Date.now() + leaseMs;
    const calls: Promise<unknown>[] = [];
    for (let at = 0; at < leases.length; at += IDS_PER_CALL) {
      const args: Array<string | number> = [deadline];
      for (const { id, lease } of leases.slice(at, at + IDS_PER_CALL)) args.push(id, lease);
      calls.push(this.commands.queueScript('ntExtendLeases', queue, args));
    }
    await Promise.all(calls);
  }

  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    const entries = await this.commands.redis.lrange(this.commands.keys.queue(queue).dead, 0, limit - 1);
    return entries.map((entry) => {
      try {
        const parsed = JSON.parse(entry) as Partial<DeadLetter>;
        return { id: String(parsed.id), queue, raw: parsed.raw ?? null, reason: String(parsed.reason), at: Number(parsed.at) };
      } catch {
        return { id: '', queue, raw: entry, reason: 'unreadable dead letter', at: 0 };
      }
    });
  }

  async dueTimes(ids: readonly string[]): Promise<Map<string, number>> {
    const due = new Map<string, number>();
    if (ids.length === 0) return due;
    const { keys } = this.commands;
    const queues = await this.commands.send<string[]>((r) => r.smembers(keys.queues));
    await Promise.all(
      queues.flatMap((queue) =>
        ids.map(async (id) => {
          const score = await this.commands.send<string | null>((r) => r.zscore(keys.queue(queue).delayed, id));
          if (score !== null && Number.isFinite(Number(score))) due.set(id, Math.max(due.get(id) ?? 0, Number(score)));
        }),
      ),
    );
    return due;
  }

  /** On a Cluster: `id` fitted so that its result lies in `queue`'s slot (cluster/aligned-id.ts). */
  alignTaskId(queue: string, id: string): string {
    return this.commands.cluster ? alignId(id, keySlot(this.commands.keys.queue(queue).ready)) : id;
  }

  async knownQueues(): Promise<string[]> {
    return this.commands.send<string[]>((r) => r.smembers(this.commands.keys.queues));
  }

  async queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    const k = this.commands.keys.queue(queue);
    const [ready, prio, delayed, active] = await Promise.all([
      this.commands.send<number>((r) => r.llen(k.ready)),
      this.commands.send<number>((r) => r.zcard(k.prio)),
      this.commands.send<number>((r) => r.zcard(k.delayed)),
      this.commands.queueScript('ntCountLeased', queue, []) as Promise<number>,
    ]);
    return { ready: ready + prio, delayed, active };
  }

  /** Gives the blocking connection back. */
  async close(): Promise<void> {
    this.closed = true;
    this.clusterWaiter?.close();
    const blocking = this.blocking;
    this.blocking = undefined;
    if (!blocking) return;
    if (blocking.status === 'ready') await blocking.quit().catch(() => undefined);
    // Only what QUIT left open: disconnecting a closed connection arms a 2 s timer that delays exit.
    if (blocking.status !== 'end') blocking.disconnect();
  }

  private async blockingConnection(): Promise<RedisClient> {
    if (!this.blocking) {
      const blocking = duplicateClient(this.commands.redis, { blocking: true });
      this.commands.watch(blocking, 'blocking');
      blocking.on('ready', () => {
        blocking.client('ID').then((id) => (this.blockingId = Number(id)), () => undefined);
      });
      this.blocking = blocking;
      await blocking.connect();
      this.blockingId = Number(await blocking.client('ID'));
    }
    return this.blocking;
  }
}
