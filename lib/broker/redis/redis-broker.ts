import { Logger } from '@nestjs/common';
import type { BrokerOption } from '../../config/task-module-options.interface';
import type { ResultRecord, ResultWrite } from '../../serialization/result-record';
import type { Broker, ControlMessage, DeadLetter, HeldLease, PublishRequest, ReserveResult, SettleOp } from '../ports/broker';
import type { CanvasStore } from '../ports/canvas-store';
import type { MonitoringStore, MonitoringStoreOptions } from '../ports/monitoring-store';
import type { RateTicket } from '../ports/rate-limiter';
import type { ScheduleStore } from '../ports/schedule-store';
import { RedisCanvasStore } from './redis-canvas-store';
import { RedisCommands } from './redis-commands';
import { connectWithRetries, describeClient, isCluster, logConnectionErrors, openClient, type RedisClient } from './redis-connection';
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
import { RedisWorkerDirectory } from './redis-worker-directory';

export interface RedisBrokerSettings {
  prefix: string;
  maxDeliveries: number;
  connectRetries: number;
  connectRetryDelay: number;
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
    this.results = new RedisResultStore(this.commands, this.subscriber);
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
    const events = new RedisEventStore(redis, scripts, keys.events, options.eventsMaxLen, this.commands.watch);
    const replies = new RedisReplyChannel(redis, keys, this.commands.watch);
    return {
      admin: new RedisQueueAdmin(redis, keys, scripts),
      events,
      workers: new RedisWorkerDirectory(redis, keys.workers),
      replies,
      close: async () => {
        await Promise.allSettled([events.close(), replies.close()]);
      },
    };
  }

  // ---- message queue -----------------------------------------------------------------------

  publish(requests: PublishRequest[]): Promise<void> {
    return this.queue.publish(requests);
  }

  publishUnique(request: PublishRequest, lockKey: string, lockTtlMs: number, revokedHolder?: string): Promise<string> {
    return this.queue.publishUnique(request, lockKey, lockTtlMs, revokedHolder);
  }

  reserve(queue: string, max: number, leaseMs: number): Promise<ReserveResult> {
    return this.queue.reserve(queue, max, leaseMs);
  }

  waitForWork(queues: string[], timeoutMs: number): Promise<void> {
    return this.queue.waitForWork(queues, timeoutMs);
  }

  interrupt(): Promise<void> {
    return this.queue.interrupt();
  }

  settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    return this.queue.settle(ops, results);
  }

  extendLeases(queue: string, leases: HeldLease[], leaseMs: number): Promise<void> {
    return this.queue.extendLeases(queue, leases, leaseMs);
  }

  deadLetters(queue: string, limit?: number): Promise<DeadLetter[]> {
    return this.queue.deadLetters(queue, limit);
  }

  dueTimes(ids: readonly string[]): Promise<Map<string, number>> {
    return this.queue.dueTimes(ids);
  }

  queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    return this.queue.queueSizes(queue);
  }

  knownQueues(): Promise<string[]> {
    return this.queue.knownQueues();
  }

  /** Only on a Cluster, where it pays (one slot for a fetch's results); elsewhere ids stay plain UUIDs. */
  readonly alignTaskId?: (queue: string, id: string) => string;

  // ---- results -----------------------------------------------------------------------------

  storeResults(writes: ResultWrite[]): Promise<void> {
    return this.results.storeResults(writes);
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

  broadcast(message: ControlMessage): Promise<void> {
    return this.control.broadcast(message);
  }

  onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void> {
    return this.control.onBroadcast(listener);
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
