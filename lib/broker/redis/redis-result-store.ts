import { NestTasksError } from '../../errors';
import { encodeResultRecord, parseResultRecord, type ResultRecord, type ResultWrite } from '../../serialization/result-record';
import { isReadyState } from '../../serialization/task-state';
import type { ResultStore } from '../ports/result-store';
import { groupBySlot } from './cluster/key-slot';
import type { RedisCommands } from './redis-commands';
import type { RedisSubscriber } from './redis-subscriber';
import type { CeleryResults } from './celery/celery-results';

/** How long a wait without a timeout is marked; renewed on reconnect. */
const WAITER_MARK_MS = 86_400_000;
const WAITER_SLACK_MS = 10_000;

type Waiter = (record: ResultRecord | null, error?: Error) => void;

/**
 * Results in Redis: a key per record, announced on a channel per task when ready. With
 * Celery queues configured, a task with no record of ours is looked up in Celery's result
 * backend too (`celery-task-meta-<id>`, announced on a channel of that name).
 */
export class RedisResultStore implements ResultStore {
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly subscriber: RedisSubscriber,
    private readonly celery?: CeleryResults,
  ) {
    // A result announced while we were disconnected is missed by pub/sub: read it on reconnect.
    subscriber.onReconnect(() => {
      for (const channel of this.waiters.keys()) {
        const id = channel.slice(this.commands.keys.resultChannel('').length);
        this.markWaiting(id)
          .then(() => this.getResult(id))
          .then((record) => this.announceRead(id, channel, record), () => undefined);
      }
    });
  }

  /**
   * Every record of one call in one script run: a PSETEX each, a PUBLISH for the ready ones.
   * On a Cluster, one run per slot.
   */
  async storeResults(writes: ResultWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const { keys } = this.commands;
    if (this.commands.cluster && writes.length > 1) {
      await Promise.all(groupBySlot(writes, (write) => keys.result(write.record.id)).map((group) => this.storeSlot(group)));
      return;
    }
    await this.storeSlot(writes);
  }

  private async storeSlot(writes: ResultWrite[]): Promise<void> {
    const { keys, cluster } = this.commands;
    // Records grouped by ttl and mode (store-results.lua): a flush's records mostly share both.
    const groups = new Map<number, { ttl: number; mode: number; writes: ResultWrite[] }>();
    for (const write of writes) {
      const ttl = Math.ceil(write.ttl);
      const mode = (write.announceToAnyone && !cluster ? 4 : 0) + (write.keepReady ? 2 : 0) + (isReadyState(write.record.state) ? 1 : 0);
      // One number per (ttl, mode): mode is 0-7.
      const key = ttl * 8 + mode;
      const group = groups.get(key);
      if (group) group.writes.push(write);
      else groups.set(key, { ttl, mode, writes: [write] });
    }
    const resultKeys: string[] = [];
    // A ready result is announced only to someone waiting: on one node, an id in the waiter
    // registry (nothing per record is sent for it); on a Cluster, a waiter mark found from its key.
    const args: Array<string | number> = [cluster ? 'c' : 'n', cluster ? keys.resultWaiterPrefix : keys.resultChannel(''), keys.resultPrefixBytes, Date.now()];
    for (const { ttl, mode, writes: members } of groups.values()) {
      args.push(members.length, ttl, mode);
      for (const { record, resultText } of members) {
        resultKeys.push(keys.result(record.id));
        if (cluster && mode % 2 === 1) args.push(keys.resultChannel(record.id));
        args.push(encodeResultRecord(record, resultText));
      }
    }
    if (!cluster) resultKeys.push(keys.resultWaiters);
    await this.commands.call('ntStoreResults', resultKeys, args);
  }

  /** The record kept for `id`; null when there is none, or when the key holds something that is not one. */
  async getResult(id: string): Promise<ResultRecord | null> {
    const json = await this.commands.send<string | null>((r) => r.get(this.commands.keys.result(id))).catch((error: Error) => {
      if (/^WRONGTYPE/.test(error.message)) return null;
      throw error;
    });
    const record = parseResultRecord(json);
    if (record || !this.celery) return record;
    return this.celery.get(id);
  }

  async deleteResult(id: string): Promise<void> {
    await Promise.all([this.commands.send((r) => r.del(this.commands.keys.result(id))), this.celery?.delete(id)]);
  }

  /** One script run for all (one per slot on a Cluster): each id's check and write are one step (revoke-results.lua). */
  async markRevoked(ids: string[], ttl: number): Promise<string[]> {
    if (ids.length === 0) return [];
    if (this.commands.cluster && ids.length > 1) {
      const groups = groupBySlot(ids, (id) => this.commands.keys.result(id));
      return (await Promise.all(groups.map((group) => this.markRevokedInSlot(group, ttl)))).flat();
    }
    return this.markRevokedInSlot(ids, ttl);
  }

  private async markRevokedInSlot(ids: string[], ttl: number): Promise<string[]> {
    const { keys } = this.commands;
    const marked = await this.commands.call(
      'ntRevokeResults',
      ids.map((id) => keys.result(id)),
      [keys.resultChannel(''), Math.ceil(ttl), 'revoked', Date.now(), ...ids],
    );
    return (marked as unknown[]).map(String);
  }

  waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null> {
    const channel = this.commands.keys.resultChannel(id);
    return new Promise<ResultRecord | null>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const settle: Waiter = (record, error) => {
        if (timer) clearTimeout(timer);
        const set = this.waiters.get(channel);
        set?.delete(settle);
        if (set && set.size === 0) {
          this.waiters.delete(channel);
          this.subscriber.unsubscribe(channel);
          if (this.celery) this.subscriber.unsubscribe(this.celery.channel(id));
        }
        if (error) reject(error);
        else resolve(record);
      };
      let set = this.waiters.get(channel);
      if (!set) this.waiters.set(channel, (set = new Set()));
      set.add(settle);
      if (timeoutMs !== undefined) timer = setTimeout(() => settle(null), timeoutMs);
      // Register the wait and subscribe, then read: a result stored in between is seen either way.
      const celery = this.celery;
      const subscribe = async (): Promise<void> => {
        await this.subscriber.subscribe(channel, (message) => this.announce(channel, parseResultRecord(message)));
        if (celery) await this.subscriber.subscribe(celery.channel(id), (message) => this.announce(channel, celery.parse(id, message)));
      };
      Promise.all([this.markWaiting(id, timeoutMs), subscribe()])
        .then(() => this.getResult(id))
        .then((record) => this.announceRead(id, channel, record))
        .catch((error: Error) => settle(null, error));
    });
  }

  /**
   * Tells store-results.lua that someone waits for `id`: only then is its result announced.
   * On one node an entry of the waiter registry (kept until the longest wait on it ends);
   * on a Cluster a mark in the result's slot (a PUBLISH there costs every node).
   */
  private async markWaiting(id: string, timeoutMs?: number): Promise<void> {
    const ttl = timeoutMs === undefined ? WAITER_MARK_MS : Math.ceil(timeoutMs) + WAITER_SLACK_MS;
    const { keys, cluster } = this.commands;
    if (cluster) await this.commands.send((r) => r.set(keys.resultWaiter(id), '1', 'PX', ttl));
    else await this.commands.send((r) => r.zadd(keys.resultWaiters, 'GT', Date.now() + ttl, id));
  }

  /**
   * Settles the waiters of `id` with a record read from its key. A ready one was announced
   * when it was stored, before this read: on one node the registry entry of `id` has done
   * its work (a waiter registered later reads the key as this one did).
   */
  private announceRead(id: string, channel: string, record: ResultRecord | null): void {
    if (record && isReadyState(record.state) && !this.commands.cluster && this.waiters.has(channel)) {
      void this.commands.send((r) => r.zrem(this.commands.keys.resultWaiters, id)).catch(() => undefined);
    }
    this.announce(channel, record);
  }

  /** Ends every wait: the backend is closing. */
  close(): void {
    for (const set of this.waiters.values()) {
      for (const settle of [...set]) settle(null, new NestTasksError('The broker was closed while waiting for a result'));
    }
    this.waiters.clear();
  }

  /** Settles every waiter of `channel` with a ready record, each with its own copy. */
  private announce(channel: string, record: ResultRecord | null): void {
    const set = this.waiters.get(channel);
    if (!record || !isReadyState(record.state) || !set) return;
    let first = true;
    for (const settle of [...set]) {
      settle(first ? record : (JSON.parse(JSON.stringify(record)) as ResultRecord));
      first = false;
    }
  }
}
