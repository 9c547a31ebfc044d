import type { Redis, RedisOptions } from 'ioredis';
import type { Broker, ControlMessage, DeadLetter, PublishRequest, RateTicket, ReserveResult, SettleOp } from '../ports/broker';
import { NestTasksError } from '../../errors';
import { parseRate } from '../../utils/rate-limit';
import { parseResultRecord, type ResultRecord, type ResultWrite } from '../../serialization/result-record';
import { isReadyState } from '../../serialization/task-state';
import { ScriptRunner } from './script-runner';
import type { ScriptName } from './scripts';
import { connectWithRetries, createRedis, describeRedis, isRedisInstance, reconnectDelay } from './redis-connection';
import { RedisKeys } from './redis-keys';
import type { CanvasStore } from '../ports/canvas-store';
import type { MonitoringStore, MonitoringStoreOptions } from '../ports/monitoring-store';
import type { ScheduleStore } from '../ports/schedule-store';
import { RedisCanvasStore } from './redis-canvas-store';
import { RedisEventStore } from './redis-event-store';
import { RedisQueueAdmin } from './redis-queue-admin';
import { RedisReplyChannel } from './redis-reply-channel';
import { RedisScheduleStore } from './redis-schedule-store';
import { RedisWorkerDirectory } from './redis-worker-directory';

export interface RedisBrokerSettings {
  prefix: string;
  maxDeliveries: number;
  connectRetries: number;
  connectRetryDelay: number;
}

const PUBLISH_CHUNK = 1000;
const MAX_BLOCK_MS = 5000;
/** The BLPOP outlasts the local timer that ends a wait by this much. */
const BLOCK_SLACK_MS = 250;
const UNBLOCK_ATTEMPTS = 20;

/**
 * The Redis broker. Commands issued in one tick leave in one socket write (one round trip);
 * every multi-key change is a Lua script; blocking waits and result subscriptions
 * use connections of their own.
 */
export class RedisBroker implements Broker {
  readonly description: string;
  private readonly keys: RedisKeys;
  private readonly commands: Redis;
  private readonly scripts: ScriptRunner;
  private readonly ownsCommands: boolean;
  private blocking?: Redis;
  private blockingId?: number;
  private subscriber?: Promise<Redis>;
  private readonly waiters = new Map<string, Set<(record: ResultRecord | null, error?: Error) => void>>();
  private readonly knownQueues = new Set<string>();
  private readonly controlListeners = new Set<(message: ControlMessage) => void>();
  private corked = false;
  private pendingPublish?: { requests: PublishRequest[]; done: Promise<void> };
  private closed = false;
  /** Ends each waitForWork() in progress. */
  private readonly wakes = new Set<() => void>();

  constructor(
    source: string | { redis: RedisOptions | Redis },
    private readonly settings: RedisBrokerSettings,
  ) {
    this.keys = new RedisKeys(settings.prefix);
    if (typeof source === 'string') {
      this.commands = createRedis(source);
      this.ownsCommands = true;
    } else if (isRedisInstance(source.redis)) {
      this.commands = source.redis;
      this.ownsCommands = false;
    } else {
      this.commands = createRedis(source.redis);
      this.ownsCommands = true;
    }
    this.description = describeRedis(this.commands.options);
    this.scripts = new ScriptRunner(this.commands);
    // Reconnects are handled by ioredis and callers see failed commands; a user's own
    // connection keeps whatever error handling its owner gave it.
    if (this.ownsCommands) this.commands.on('error', () => undefined);
  }

  get redisKeys(): RedisKeys {
    return this.keys;
  }

  /** The command connection, for tools that inspect keys directly. */
  get connection(): Redis {
    return this.commands;
  }

  private canvas?: CanvasStore;
  private schedules?: ScheduleStore;

  canvasStore(): CanvasStore {
    return (this.canvas ??= new RedisCanvasStore(this.scripts, this.keys, this));
  }

  scheduleStore(): ScheduleStore {
    return (this.schedules ??= new RedisScheduleStore(this.commands, this.scripts, this.keys));
  }

  openMonitoringStore(options: MonitoringStoreOptions): MonitoringStore {
    const events = new RedisEventStore(this.commands, this.scripts, this.keys.events, options.eventsMaxLen);
    const replies = new RedisReplyChannel(this.commands, this.keys);
    return {
      admin: new RedisQueueAdmin(this.commands, this.keys, this.scripts),
      events,
      workers: new RedisWorkerDirectory(this.commands, this.keys.workers),
      replies,
      close: async () => {
        await Promise.allSettled([events.close(), replies.close()]);
      },
    };
  }

  async connect(): Promise<void> {
    const { connectRetries, connectRetryDelay } = this.settings;
    await connectWithRetries(this.commands, this.description, connectRetries, connectRetryDelay, this.ownsCommands);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const [, set] of this.waiters) {
      for (const settle of set) settle(null, new NestTasksError('The broker was closed while waiting for a result'));
    }
    this.waiters.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    // QUIT waits in the offline queue while Redis is away: only a ready connection says goodbye.
    const quit = async (redis: Redis | undefined): Promise<void> => {
      if (redis?.status === 'ready') await redis.quit();
      else redis?.disconnect();
    };
    await Promise.allSettled([quit(this.blocking), subscriber?.then(quit), this.ownsCommands ? quit(this.commands) : undefined]);
    // Only what QUIT left open: disconnecting a closed connection arms a 2 s timer that delays exit.
    for (const redis of [this.blocking, this.ownsCommands ? this.commands : undefined]) {
      if (redis && redis.status !== 'end') redis.disconnect();
    }
  }

  // ---- producing -------------------------------------------------------------------------

  /**
   * Publishes of one tick travel together: one script call per queue, however many
   * `delay()` calls made them.
   */
  publish(requests: PublishRequest[]): Promise<void> {
    if (requests.length === 0) return Promise.resolve();
    if (!this.pendingPublish) {
      const batch: PublishRequest[] = [];
      const done = new Promise<void>((resolve, reject) =>
        process.nextTick(() => {
          this.pendingPublish = undefined;
          this.publishNow(batch).then(resolve, reject);
        }),
      );
      this.pendingPublish = { requests: batch, done };
    }
    for (const request of requests) this.pendingPublish.requests.push(request);
    return this.pendingPublish.done;
  }

  private async publishNow(requests: PublishRequest[]): Promise<void> {
    const now = Date.now();
    const byQueue = new Map<string, PublishRequest[]>();
    for (const request of requests) {
      let list = byQueue.get(request.queue);
      if (!list) byQueue.set(request.queue, (list = []));
      list.push(request);
    }
    const calls: Promise<unknown>[] = [];
    for (const [queue, list] of byQueue) {
      const known = this.remember(queue);
      if (known) calls.push(known);
      for (let start = 0; start < list.length; start += PUBLISH_CHUNK) {
        const args: Array<string | number> = [now];
        for (const r of list.slice(start, start + PUBLISH_CHUNK)) {
          args.push(r.id, r.body, r.eta && r.eta > now ? r.eta : 0, r.priority ?? 0);
        }
        calls.push(this.script('ntPublish', queue, args));
      }
    }
    await Promise.all(calls);
  }

  async publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string> {
    const { id, queue, body, eta, priority } = request;
    const now = Date.now();
    const lock = this.keys.uniqueLock(queue, lockKey);
    const args = [now, id, body, eta && eta > now ? eta : 0, priority ?? 0, Math.ceil(lockTtlMs), revokedHolder ?? ''];
    const [holder] = await Promise.all([this.script('ntPublishUnique', queue, args, [lock]), this.remember(queue)]);
    return String(holder);
  }

  /** Adds a queue to the namespace's queue set the first time this broker publishes to it (tools, rate-limit release). */
  private remember(queue: string): Promise<unknown> | undefined {
    if (this.knownQueues.has(queue)) return undefined;
    this.knownQueues.add(queue);
    return this.send((r) => r.sadd(this.keys.queues, queue));
  }

  // ---- consuming -------------------------------------------------------------------------

  async reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult> {
    const reply = (await this.script('ntReserve', queue, [Date.now(), max, leaseMs, this.settings.maxDeliveries])) as
      | Array<string | number | null>;
    const messages: ReserveResult['messages'] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      messages.push({ id: String(reply[i]), queue, body: reply[i + 1] as string | null, delivery: Number(reply[i + 2]) });
    }
    const wakeAt = Number(reply[0]);
    return { messages, wakeAt: wakeAt >= 0 ? wakeAt : null };
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
      const blocking = await this.blockingConnection();
      if (woken) return;
      const seconds = ((waitMs + BLOCK_SLACK_MS) / 1000).toFixed(3);
      const pop = blocking.blpop(...queues.map((q) => this.keys.queue(q).wake), seconds).then(
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
  private async unblock(blocking: Redis, pop: Promise<boolean>): Promise<void> {
    let settled = false;
    let unblocked = false;
    void pop.then(() => (settled = true));
    for (let attempt = 0; attempt < UNBLOCK_ATTEMPTS && !settled && !unblocked; attempt++) {
      // 0: the BLPOP has not reached Redis yet (it travels on another connection), or just ended.
      unblocked = (await this.commands.client('UNBLOCK', this.blockingId ?? -1).catch(() => 0)) === 1;
      if (!unblocked) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    if (!settled && !unblocked && this.blocking === blocking) {
      // Never saw it blocked: drop the connection (the pending BLPOP fails) and use a new one.
      this.blocking = undefined;
      this.blockingId = undefined;
      blocking.disconnect();
    }
    await pop;
  }

  async settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    const calls: Promise<unknown>[] = [this.storeResults(results)];
    const acks = new Map<string, Array<string | number>>();
    const now = Date.now();
    const max = this.settings.maxDeliveries;
    for (const op of ops) {
      switch (op.kind) {
        case 'ack': {
          let list = acks.get(op.queue);
          if (!list) acks.set(op.queue, (list = []));
          list.push(op.id, op.delivery);
          break;
        }
        case 'requeue':
          calls.push(this.script('ntRequeue', op.queue, [now, op.id, op.delivery, op.body, op.eta, 'retry', max]));
          break;
        case 'rate-wait':
          calls.push(
            this.script('ntRateWait', op.queue, [now, op.id, op.delivery, op.body, op.eta, op.issued, op.task], [
              this.keys.rateWaiting(op.queue, op.task),
              this.keys.rateChanges(op.queue),
            ]),
          );
          break;
        case 'release':
          calls.push(this.script('ntRequeue', op.queue, [now, op.id, op.delivery, '', 0, op.lost ? 'lost' : 'release', max]));
          break;
        case 'dead':
          calls.push(this.script('ntDeadLetter', op.queue, [now, op.id, op.delivery, op.raw ?? '', op.reason]));
          break;
      }
    }
    for (const [queue, args] of acks) calls.push(this.script('ntAck', queue, args));
    await Promise.all(calls);
  }

  async extendLeases(queue: string, ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    const deadline = Date.now() + leaseMs;
    const args: Array<string | number> = [];
    for (const id of ids) args.push(deadline, id);
    await this.send((r) => r.zadd(this.keys.queue(queue).active, 'XX', ...args));
  }

  async deadLetters(queue: string, limit = 100): Promise<DeadLetter[]> {
    const entries = await this.commands.lrange(this.keys.queue(queue).dead, 0, limit - 1);
    return entries.map((entry) => {
      try {
        const parsed = JSON.parse(entry) as Partial<DeadLetter>;
        return { id: String(parsed.id), queue, raw: parsed.raw ?? null, reason: String(parsed.reason), at: Number(parsed.at) };
      } catch {
        return { id: '', queue, raw: entry, reason: 'unreadable dead letter', at: 0 };
      }
    });
  }

  async queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    const k = this.keys.queue(queue);
    const [ready, prio, delayed, active] = await Promise.all([
      this.send<number>((r) => r.llen(k.ready)),
      this.send<number>((r) => r.zcard(k.prio)),
      this.send<number>((r) => r.zcard(k.delayed)),
      this.send<number>((r) => r.zcard(k.active)),
    ]);
    return { ready: ready + prio, delayed, active };
  }

  // ---- control -------------------------------------------------------------------------------

  async broadcast(message: ControlMessage): Promise<void> {
    await this.send((r) => r.publish(this.keys.control, JSON.stringify(message)));
  }

  async onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void> {
    const subscriber = await this.subscriberConnection();
    this.controlListeners.add(listener);
    if (this.controlListeners.size === 1) await subscriber.subscribe(this.keys.control);
    return () => {
      this.controlListeners.delete(listener);
      if (this.controlListeners.size === 0 && !this.closed) subscriber.unsubscribe(this.keys.control).catch(() => undefined);
    };
  }

  async rememberRevoked(ids: string[], until: number): Promise<void> {
    if (ids.length === 0) return;
    const args: Array<string | number> = [];
    for (const id of ids) args.push(until, id);
    await Promise.all([
      this.send((r) => r.zadd(this.keys.revoked, ...args)),
      this.send((r) => r.zremrangebyscore(this.keys.revoked, '-inf', Date.now())),
    ]);
  }

  async revokedIds(): Promise<string[]> {
    return this.send<string[]>((r) => r.zrangebyscore(this.keys.revoked, Date.now(), '+inf'));
  }

  async acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }> {
    const reply = (await this.call('ntRateLimit', [this.keys.rate(task)], [intervalMs, ticket?.slot ?? 0, ticket?.issued ?? 0])) as number[];
    const wait = Number(reply[0]);
    return wait > 0 ? { wait, ticket: { slot: Number(reply[1]), issued: Number(reply[2]) } } : { wait: 0 };
  }

  async setRateLimit(task: string, rate: string | null): Promise<void> {
    const parsed = rate === null ? null : parseRate(rate, `setRateLimit(${task})`);
    const [, reset] = await Promise.all([
      rate === null
        ? this.send((r) => r.hdel(this.keys.rateLimits, task))
        : this.send((r) => r.hset(this.keys.rateLimits, task, rate)),
      this.call('ntRateReset', [this.keys.rate(task)], [parsed ? parsed.intervalMs / parsed.count : 0]),
    ]);
    const changed = Number(reset);
    // Messages waiting for a slot under the old rate come back now and take new slots.
    const queues = await this.send<string[]>((r) => r.smembers(this.keys.queues));
    const now = Date.now();
    await Promise.all(
      queues.map((queue) => this.script('ntRateRelease', queue, [now, changed, task], [this.keys.rateWaiting(queue, task), this.keys.rateChanges(queue)])),
    );
  }

  async rateLimits(): Promise<Record<string, string>> {
    return this.send<Record<string, string>>((r) => r.hgetall(this.keys.rateLimits));
  }

  // ---- results ---------------------------------------------------------------------------

  /** Every record of one call in one script run: a SET each, a PUBLISH for the ready ones. */
  async storeResults(writes: ResultWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const keys: string[] = [];
    const args: Array<string | number> = [this.keys.resultChannel('')];
    for (const { record, ttl, keepReady } of writes) {
      keys.push(this.keys.result(record.id));
      args.push(record.id, JSON.stringify(record), Math.ceil(ttl), (keepReady ? 2 : 0) + (isReadyState(record.state) ? 1 : 0));
    }
    await this.call('ntStoreResults', keys, args);
  }

  /** The record kept for `id`; null when there is none, or when the key holds something that is not one. */
  async getResult(id: string): Promise<ResultRecord | null> {
    const json = await this.send<string | null>((r) => r.get(this.keys.result(id))).catch((error: Error) => {
      if (/^WRONGTYPE/.test(error.message)) return null;
      throw error;
    });
    return parseResultRecord(json);
  }

  async deleteResult(id: string): Promise<void> {
    await this.send((r) => r.del(this.keys.result(id)));
  }

  async waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null> {
    const channel = this.keys.resultChannel(id);
    const subscriber = await this.subscriberConnection();
    return new Promise<ResultRecord | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = (record: ResultRecord | null, error?: Error) => {
        if (timer) clearTimeout(timer);
        const set = this.waiters.get(channel);
        set?.delete(settle);
        if (set && set.size === 0) {
          this.waiters.delete(channel);
          if (!this.closed) subscriber.unsubscribe(channel).catch(() => undefined);
        }
        if (error) reject(error);
        else resolve(record);
      };
      let set = this.waiters.get(channel);
      if (!set) this.waiters.set(channel, (set = new Set()));
      set.add(settle);
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(null), timeoutMs);
      // Subscribe first, then read: a result stored in between is seen either way.
      subscriber
        .subscribe(channel)
        .then(() => this.getResult(id))
        .then((record) => {
          if (record && isReadyState(record.state)) settle(record);
        })
        .catch((error: Error) => settle(null, error));
    });
  }

  // ---- plumbing --------------------------------------------------------------------------

  /**
   * Issues a command; every command of one tick leaves in one socket write (the socket is
   * corked until the next tick), the round trips overlapping like a pipeline without one.
   */
  private send<T = unknown>(issue: (redis: Redis) => Promise<T>): Promise<T> {
    if (!this.corked && this.commands.status === 'ready') {
      const socket = (this.commands as unknown as { stream?: NodeJS.WritableStream & { cork(): void; uncork(): void } }).stream;
      if (socket) {
        socket.cork();
        this.corked = true;
        process.nextTick(() => {
          this.corked = false;
          socket.uncork();
        });
      }
    }
    return issue(this.commands);
  }

  private script(name: ScriptName, queue: string, args: Array<string | number>, extraKeys: string[] = []): Promise<unknown> {
    return this.call(name, [...this.keys.queue(queue).list, ...extraKeys], args);
  }

  private call(name: ScriptName, keys: readonly string[], args: Array<string | number>): Promise<unknown> {
    return this.send(() => this.scripts.run(name, keys, args));
  }


  private dispatchControl(json: string): void {
    const message = parseControl(json);
    if (!message) return;
    for (const listener of this.controlListeners) {
      try {
        listener(message);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  private async blockingConnection(): Promise<Redis> {
    if (!this.blocking) {
      const blocking = this.commands.duplicate({ lazyConnect: true, retryStrategy: reconnectDelay, maxRetriesPerRequest: null });
      blocking.on('error', () => undefined);
      blocking.on('ready', () => {
        blocking.client('ID').then((id) => (this.blockingId = Number(id)), () => undefined);
      });
      this.blocking = blocking;
      await blocking.connect();
      this.blockingId = Number(await blocking.client('ID'));
    }
    return this.blocking;
  }

  private subscriberConnection(): Promise<Redis> {
    this.subscriber ??= (async () => {
      const subscriber = this.commands.duplicate({ lazyConnect: true, retryStrategy: reconnectDelay });
      subscriber.on('error', () => undefined);
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.keys.control) {
          this.dispatchControl(message);
          return;
        }
        const record = parseResultRecord(message);
        const set = this.waiters.get(channel);
        if (record && set) for (const settle of [...set]) settle(record);
      });
      // A result announced while we were disconnected is missed by pub/sub: read it on reconnect.
      subscriber.on('ready', () => {
        // Control messages may have been missed too: listeners reload what they keep.
        if (this.controlListeners.size > 0) this.dispatchControl(JSON.stringify({ type: 'resync' }));
        for (const channel of this.waiters.keys()) {
          const id = channel.slice(this.keys.resultChannel('').length);
          this.getResult(id).then((record) => {
            const set = this.waiters.get(channel);
            if (record && isReadyState(record.state) && set) for (const settle of [...set]) settle(record);
          }, () => undefined);
        }
      });
      await subscriber.connect();
      return subscriber;
    })();
    return this.subscriber;
  }
}

function parseControl(json: string): ControlMessage | null {
  try {
    const message = JSON.parse(json) as ControlMessage;
    return message && typeof message === 'object' && typeof message.type === 'string' ? message : null;
  } catch {
    return null;
  }
}
