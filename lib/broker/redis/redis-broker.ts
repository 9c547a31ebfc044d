import { Logger } from '@nestjs/common';
import { NestTasksError, TaskConfigError } from '../../errors';
import type { BrokerOption } from '../../config/task-module-options.interface';
import type { ResultRecord, ResultWrite } from '../../serialization/result-record';
import type { Broker, ControlMessage, DeadLetter, DebounceWindow, HeldLease, PublishRequest, ReserveResult, SettleOp } from '../ports/broker';
import type { CanvasStore } from '../ports/canvas-store';
import type { MonitoringStore, MonitoringStoreOptions } from '../ports/monitoring-store';
import type { RateTicket } from '../ports/rate-limiter';
import type { ScheduleStore } from '../ports/schedule-store';
import { RedisCanvasStore } from './redis-canvas-store';
import { RedisCommands } from './redis-commands';
import { connectWithRetries, logConnectionErrors } from './redis-connection';
import { describeClient } from './redis-address';
import { isCluster, openClient, type RedisClient } from './redis-client';
import { migrateKeyLayout } from './redis-key-migration';
import { RedisControlBus } from './redis-control-bus';
import { RedisEventStore } from './redis-event-store';
import { RedisKeys } from './redis-keys';
import { RedisMessageQueue } from './redis-message-queue';
import { RedisQueueAdmin } from './redis-queue-admin';
import { RedisRateLimiter } from './redis-rate-limiter';
import { RedisReplyChannel } from './redis-reply-channel';
import { RedisResultStore } from './redis-result-store';
import { RedisScheduleStore } from './redis-schedule-store';
import { RedisSubscriber } from './redis-subscriber';
import { RedisMinuteStats } from './redis-minute-stats';
import { RedisWorkerDirectory } from './redis-worker-directory';
import { CeleryKeys } from './celery/celery-keys';
import { CeleryMessageQueue } from './celery/celery-message-queue';
import { CeleryResults } from './celery/celery-results';
import { CeleryPidbox } from './celery/celery-pidbox';

/** Celery's side of the Redis, for the queues that speak Celery (docs/celery.md). */
export interface RedisCelerySettings {
  keyPrefix: string;
  defaultQueue: string;
  visibilityTimeout: number;
  resultExpires: number;
  queues: readonly string[];
}

export interface RedisBrokerSettings {
  prefix: string;
  maxDeliveries: number;
  connectRetries: number;
  connectRetryDelay: number;
  /** Present when some queue is declared `{ protocol: 'celery' }`. */
  celery?: RedisCelerySettings;
  /** > 0: a publish resolves once a replica has it, or fails after this many ms (durability 'replicated'). */
  replicationTimeout?: number;
}

/**
 * The Redis backend: one command connection (commands of one tick leave in one
 * socket write), a pub/sub connection and a blocking connection made when first
 * needed, and its roles over them, each in a file of its own: message queue,
 * result store, control bus, rate limiter, and the canvas, schedule and monitoring
 * stores.
 */
export class RedisBroker implements Broker {
  readonly description: string;
  private readonly commands: RedisCommands;
  private readonly ownsConnection: boolean;
  private readonly subscriber: RedisSubscriber;
  private readonly queue: RedisMessageQueue;
  private readonly results: RedisResultStore;
  private readonly control: RedisControlBus;
  private readonly rates: RedisRateLimiter;
  /** Queues that speak Celery, and their transport; absent (the native path untouched) when there are none. */
  private readonly celery?: { queues: ReadonlySet<string>; keys: CeleryKeys; transport: CeleryMessageQueue; results: CeleryResults; pidbox: CeleryPidbox };
  private canvas?: CanvasStore;
  private schedules?: ScheduleStore;
  private closed = false;

  constructor(source: BrokerOption, private readonly settings: RedisBrokerSettings) {
    const { client: redis, owned } = openClient(source);
    this.ownsConnection = owned;
    this.description = describeClient(redis);
    // Reconnects are handled by ioredis and callers see failed commands; errors are logged.
    // A user's own connection keeps whatever error handling its owner gave it.
    const logger = new Logger('RedisBroker');
    const watch = (connection: RedisClient, role: string) => logConnectionErrors(connection, role, this.description, logger);
    if (this.ownsConnection) watch(redis, 'command');
    this.commands = new RedisCommands(redis, new RedisKeys(settings.prefix, isCluster(redis)), watch);
    this.subscriber = new RedisSubscriber(redis, watch);
    if (settings.celery && settings.celery.queues.length > 0) {
      const keys = new CeleryKeys(settings.celery.keyPrefix);
      const results = new CeleryResults(this.commands, keys, settings.celery.resultExpires);
      const transport = new CeleryMessageQueue(this.commands, keys, results, (queue) => this.commands.keys.queue(queue).dead, settings.celery);
      const pidbox = new CeleryPidbox(this.commands, this.subscriber, `${settings.celery.keyPrefix}/${isCluster(redis) ? 0 : (redis.options.db ?? 0)}.celery.pidbox`);
      this.celery = { queues: new Set(settings.celery.queues), keys, transport, results, pidbox };
    }
    this.results = new RedisResultStore(this.commands, this.subscriber, this.celery?.results);
    this.queue = new RedisMessageQueue(this.commands, this.results, settings.maxDeliveries, settings.replicationTimeout ?? 0);
    this.control = new RedisControlBus(this.commands, this.subscriber);
    this.rates = new RedisRateLimiter(this.commands);
    if (this.commands.cluster) this.alignTaskId = (queue, id) => this.queue.alignTaskId(queue, id);
  }

  /** The command connection, for tools and tests that read keys directly. */
  get connection(): RedisClient {
    return this.commands.redis;
  }

  async connect(): Promise<void> {
    const { connectRetries, connectRetryDelay } = this.settings;
    await connectWithRetries(this.commands.redis, this.description, connectRetries, connectRetryDelay, this.ownsConnection);
    if (!isCluster(this.commands.redis)) await migrateKeyLayout(this.commands.redis, this.commands.keys);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.results.close();
    const redis = this.commands.redis;
    const quitCommands = async () => {
      if (!this.ownsConnection) return;
      // QUIT waits in the offline queue while Redis is away: only a ready connection says goodbye.
      if (redis.status === 'ready') await redis.quit();
      else redis.disconnect();
    };
    await Promise.allSettled([this.queue.close(), this.subscriber.close(), quitCommands()]);
    // Only what QUIT left open: disconnecting a closed connection arms a 2 s timer that delays exit.
    if (this.ownsConnection && redis.status !== 'end') redis.disconnect();
  }

  // ---- stores ------------------------------------------------------------------------------

  canvasStore(): CanvasStore {
    return (this.canvas ??= new RedisCanvasStore(this.commands.scripts, this.commands.keys, this.results));
  }

  scheduleStore(): ScheduleStore {
    return (this.schedules ??= new RedisScheduleStore(this.commands.redis, this.commands.scripts, this.commands.keys));
  }

  openMonitoringStore(options: MonitoringStoreOptions): MonitoringStore {
    const { redis, scripts, keys } = this.commands;
    const events = new RedisEventStore(this.commands, keys.events, options.eventsMaxLen, this.commands.watch);
    const replies = new RedisReplyChannel(redis, keys, this.commands.watch);
    return {
      admin: new RedisQueueAdmin(redis, keys, scripts, this.celery),
      events,
      workers: new RedisWorkerDirectory(redis, keys.workers),
      replies,
      stats: new RedisMinuteStats(this.commands),
      close: async () => {
        await Promise.allSettled([events.close(), replies.close()]);
      },
    };
  }

  // ---- message queue -----------------------------------------------------------------------

  publish(requests: PublishRequest[]): Promise<void> {
    const celery = this.celery;
    if (!celery) return this.queue.publish(requests);
    const ours = requests.filter((r) => !celery.queues.has(r.queue));
    const theirs = requests.filter((r) => celery.queues.has(r.queue));
    if (theirs.length === 0) return this.queue.publish(ours);
    return Promise.all([ours.length > 0 ? this.queue.publish(ours) : undefined, celery.transport.publish(theirs)]).then(() => undefined);
  }

  publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string> {
    if (this.celery?.queues.has(request.queue)) {
      return Promise.reject(new NestTasksError(`Unique tasks cannot be sent to the Celery queue '${request.queue}': Celery has no unique lock`));
    }
    return this.queue.publishUnique(request, lockKey, lockTtlMs, revokedHolder);
  }

  publishDebounced(request: PublishRequest, window: DebounceWindow, revokedHolder?: string): Promise<string> {
    if (this.celery?.queues.has(request.queue)) {
      return Promise.reject(new TaskConfigError('debounce', window.key, `a queue of this library: Celery's queue '${request.queue}' has no debounce`));
    }
    return this.queue.publishDebounced(request, window, revokedHolder);
  }

  reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult> {
    if (this.celery?.queues.has(queue)) return this.celery.transport.reserve(queue, max);
    return this.queue.reserve(queue, max, leaseMs);
  }

  waitForWork(queues: string[], timeoutMs: number): Promise<void> {
    const celery = this.celery;
    if (!celery || !queues.some((q) => celery.queues.has(q))) return this.queue.waitForWork(queues, timeoutMs);
    // Celery's lists cannot be waited on without popping: look again shortly.
    const ours = queues.filter((q) => !celery.queues.has(q));
    const poll = celery.transport.waitForWork(timeoutMs);
    if (ours.length === 0) return poll;
    return Promise.race([poll, this.queue.waitForWork(ours, timeoutMs)]).then(() => this.queue.interrupt());
  }

  async interrupt(): Promise<void> {
    this.celery?.transport.interrupt();
    return this.queue.interrupt();
  }

  settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    const celery = this.celery;
    if (!celery) return this.queue.settle(ops, results);
    const theirOps = ops.filter((op) => celery.queues.has(op.queue));
    const theirResults = results.filter((write) => this.isCeleryResult(write));
    if (theirOps.length === 0 && theirResults.length === 0) return this.queue.settle(ops, results);
    const ourOps = ops.filter((op) => !celery.queues.has(op.queue));
    const ourResults = results.filter((write) => !this.isCeleryResult(write));
    return Promise.all([
      ourOps.length > 0 || ourResults.length > 0 ? this.queue.settle(ourOps, ourResults) : undefined,
      celery.transport.settle(theirOps, theirResults),
    ]).then(() => undefined);
  }

  /** A result of a task run from a Celery queue goes to Celery's result backend. */
  private isCeleryResult({ record }: ResultWrite): boolean {
    const celery = this.celery!;
    return (record.queue !== undefined && celery.queues.has(record.queue)) || celery.transport.holds(record.id);
  }

  extendLeases(queue: string, leases: HeldLease[], leaseMs: number): Promise<void> {
    if (this.celery?.queues.has(queue)) return this.celery.transport.extendLeases(leases);
    return this.queue.extendLeases(queue, leases, leaseMs);
  }

  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]> {
    return this.queue.deadLetters(queue, limit);
  }

  dueTimes(ids: readonly string[]): Promise<Map<string, number>> {
    return this.queue.dueTimes(ids);
  }

  queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    if (this.celery?.queues.has(queue)) return this.celery.transport.queueSizes(queue);
    return this.queue.queueSizes(queue);
  }

  knownQueues(): Promise<string[]> {
    return this.queue.knownQueues();
  }

  /** Only on a Cluster, where it pays (one slot for a fetch's results); elsewhere ids stay plain UUIDs. */
  readonly alignTaskId?: (queue: string, id: string) => string;

  // ---- results -----------------------------------------------------------------------------

  storeResults(writes: ResultWrite[]): Promise<void> {
    const celery = this.celery;
    if (!celery) return this.results.storeResults(writes);
    const theirs = writes.filter((write) => this.isCeleryResult(write));
    if (theirs.length === 0) return this.results.storeResults(writes);
    return Promise.all([this.results.storeResults(writes.filter((write) => !this.isCeleryResult(write))), celery.results.store(theirs)]).then(() => undefined);
  }

  getResult(id: string): Promise<ResultRecord | null> {
    return this.results.getResult(id);
  }

  waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null> {
    return this.results.waitForResult(id, timeoutMs);
  }

  deleteResult(id: string): Promise<void> {
    return this.results.deleteResult(id);
  }

  markRevoked(ids: string[], ttl: number): Promise<string[]> {
    return this.results.markRevoked(ids, ttl);
  }

  // ---- control bus -------------------------------------------------------------------------

  async broadcast(message: ControlMessage): Promise<void> {
    const celery = this.celery;
    const ids = message.type === 'revoke' && Array.isArray(message.ids) ? message.ids.filter((id): id is string => typeof id === 'string') : [];
    if (!celery || ids.length === 0) return this.control.broadcast(message);
    // A revoke reaches Celery's workers too (a task sent to a Celery queue may be running in Python).
    await Promise.all([this.control.broadcast(message), celery.pidbox.revoke({ ids, terminate: message.terminate === true })]);
  }

  async onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void> {
    const stop = await this.control.onBroadcast(listener);
    if (!this.celery) return stop;
    // Celery's revoke broadcasts (Python's AsyncResult.revoke()) reach the same listeners, as our revokes.
    const stopCelery = await this.celery.pidbox.onRevoke(({ ids, terminate }) => listener({ type: 'revoke', ids, terminate, until: Date.now() + this.settings.celery!.resultExpires }));
    return () => {
      stop();
      stopCelery();
    };
  }

  rememberRevoked(ids: string[], until: number): Promise<void> {
    return this.control.rememberRevoked(ids, until);
  }

  revokedIds(): Promise<string[]> {
    return this.control.revokedIds();
  }

  // ---- rate limiter ------------------------------------------------------------------------

  acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }> {
    return this.rates.acquireRateSlot(task, intervalMs, ticket);
  }

  setRateLimit(task: string, rate: string | null): Promise<void> {
    return this.rates.setRateLimit(task, rate);
  }

  rateLimits(): Promise<Record<string, string>> {
    return this.rates.rateLimits();
  }
}
