import { groupBySlot } from './cluster/key-slot';
import { isCluster, type RedisClient } from './redis-client';
import type { RedisKeys } from './redis-keys';
import { parseResultRecord, type ResultRecord } from '../../serialization/result-record';
import { admissionKey, decodeMessage, encodeMessageJson, type TaskMessage } from '../../serialization/task-message';
import { tryDecodeStored } from '../ports/stored-message';
import { keyedArg } from './redis-message-queue';
import type { ScriptRunner } from './script-runner';
import { parseDeadLetter } from '../ports/dead-letter-entry';
import type { ConcurrencyKeyInfo, DeadLetterEntry, QueueAdmin, QueueCounts, ScheduledMessage } from '../ports/queue-admin';
import type { CeleryKeys } from './celery/celery-keys';
import { celeryMessageId } from '../../serialization/celery/celery-message';

const PURGE_CHUNK = 2000;
const DEAD_PAGE = 500;

/** QueueAdmin on the Redis broker's keys; every multi-key change is an admin-*.lua script. */
export class RedisQueueAdmin implements QueueAdmin {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly scripts: ScriptRunner,
    /** The queues in Celery's wire format, and Celery's keys. */
    private readonly celery?: { queues: ReadonlySet<string>; keys: CeleryKeys },
  ) {}

  async ping(): Promise<number> {
    const start = performance.now();
    await this.redis.ping();
    return performance.now() - start;
  }

  async queueNames(): Promise<string[]> {
    const names = new Set(await this.redis.smembers(this.keys.queues));
    for (const queue of this.celery?.queues ?? []) names.add(queue);
    return [...names].sort();
  }

  async counts(queue: string): Promise<QueueCounts> {
    if (this.celery?.queues.has(queue)) return this.celeryCounts(queue, this.celery.keys);
    const k = this.keys.queue(queue);
    const c = this.keys.concurrency(queue);
    const [replies, leased] = await Promise.all([
      this.redis.pipeline().llen(k.ready).zcard(k.prio).zcard(k.delayed).llen(k.dead).get(c.waiting).exec(),
      this.scripts.run('ntCountLeased', k.list, []),
    ]);
    const [ready, prio, delayed, dead, keyWaiting] = (replies ?? []).map(([error, value]) => {
      if (error) throw error;
      return Number(value);
    });
    const active = Number(leased);
    const counts: QueueCounts = { ready: ready + prio, delayed, active, dead };
    if (keyWaiting > 0) counts.keyWaiting = keyWaiting;
    return counts;
  }

  async concurrencyKeys(queue: string, limit: number): Promise<ConcurrencyKeyInfo[]> {
    if (this.celery?.queues.has(queue)) return [];
    const c = this.keys.concurrency(queue);
    const flat = await this.redis.zrevrange(c.keys, 0, limit - 1, 'WITHSCORES');
    if (flat.length === 0) return [];
    const keys: string[] = [];
    for (let i = 0; i < flat.length; i += 2) keys.push(flat[i]);
    const admitted = await this.redis.hmget(c.running, ...keys);
    return keys.map((key, i) => ({ key, admitted: Number(admitted[i] ?? 0), waiting: Number(flat[2 * i + 1]) }));
  }

  /** A Celery queue: each of kombu's lists read and deleted in one transaction (as `celery purge` deletes them). */
  private async purgeCelery(lists: string[], onChunk?: (purged: string[], removed: number, remaining: number) => Promise<void> | void): Promise<number> {
    let total = 0;
    for (const list of lists) {
      const replies = await this.redis.multi().lrange(list, 0, -1).del(list).exec();
      const [error, raws] = replies?.[0] ?? [null, []];
      if (error) throw error;
      const purged = (raws as string[]).map(celeryMessageId).filter((id) => id !== '');
      total += (raws as string[]).length;
      await onChunk?.(purged, total, 0);
    }
    return total;
  }

  /** A Celery queue: kombu's lists, and its entries in kombu's unacked (read whole: an operator's view, not a hot path). */
  private async celeryCounts(queue: string, keys: CeleryKeys): Promise<QueueCounts> {
    const lists = keys.lists(queue);
    const [lengths, dead, held] = await Promise.all([
      Promise.all(lists.map((list) => this.redis.llen(list))),
      this.redis.llen(this.keys.queue(queue).dead),
      this.redis.hvals(keys.unacked),
    ]);
    let active = 0;
    for (const value of held) {
      try {
        if ((JSON.parse(value) as unknown[])[2] === queue) active++;
      } catch {
        // not kombu's: not counted
      }
    }
    return { ready: lengths.reduce((a, b) => a + b, 0), delayed: 0, active, dead, protocol: 'celery' };
  }

  async purge(queue: string, onChunk?: (purged: string[], removed: number, remaining: number) => Promise<void> | void): Promise<number> {
    if (this.celery?.queues.has(queue)) return this.purgeCelery(this.celery.keys.lists(queue), onChunk);
    const keys = this.keys.queue(queue).list;
    let total = 0;
    for (;;) {
      const [removed, remaining, ...ids] = (await this.scripts.run('ntAdminPurge', keys, [PURGE_CHUNK])) as [number, number, ...string[]];
      total += removed;
      await onChunk?.(ids.map(String), total, remaining);
      if (removed === 0 || remaining === 0) return total;
    }
  }

  async scheduled(queue: string, limit: number): Promise<ScheduledMessage[]> {
    const k = this.keys.queue(queue);
    const flat = await this.redis.zrange(k.delayed, 0, limit - 1, 'WITHSCORES');
    const ids: string[] = [];
    const etas: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ids.push(flat[i]);
      etas.push(Number(flat[i + 1]));
    }
    if (ids.length === 0) return [];
    const bodies = await this.storedBodies(queue, ids);
    return ids.map((id, i) => ({ id, queue, eta: etas[i], message: tryDecodeStored(bodies[i], id, queue) }));
  }

  async message(queue: string, id: string): Promise<TaskMessage | null> {
    return tryDecodeStored(await this.storedBody(queue, id), id, queue);
  }

  /** The stored message of `id`: in its bucket, or in the hash of messages stored before 0.3. */
  private async storedBody(queue: string, id: string): Promise<string | null> {
    return (await this.storedBodies(queue, [id]))[0];
  }

  /** The stored messages of `ids`, in order: one HMGET per bucket, then one on the pre-0.3 hash for those not found. */
  private async storedBodies(queue: string, ids: string[]): Promise<Array<string | null>> {
    const k = this.keys.queue(queue);
    const byBucket = new Map<string, number[]>();
    ids.forEach((id, i) => {
      const key = k.message(id);
      const at = byBucket.get(key);
      if (at) at.push(i);
      else byBucket.set(key, [i]);
    });
    const bodies: Array<string | null> = ids.map(() => null);
    await Promise.all(
      [...byBucket].map(async ([key, at]) => {
        const found = await this.redis.hmget(key, ...at.map((i) => ids[i]));
        at.forEach((i, j) => (bodies[i] = found[j]));
      }),
    );
    const missing = ids.flatMap((_, i) => (bodies[i] === null ? [i] : []));
    if (missing.length > 0) {
      const old = await this.redis.hmget(k.messages, ...missing.map((i) => ids[i]));
      missing.forEach((i, j) => (bodies[i] = old[j]));
    }
    return bodies;
  }

  async deadLetters(queue: string, offset: number, limit: number): Promise<DeadLetterEntry[]> {
    const entries = await this.redis.lrange(this.keys.queue(queue).dead, offset, offset + limit - 1);
    return entries.map((entry) => parseDeadLetter(queue, entry));
  }

  async findDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    const key = this.keys.queue(queue).dead;
    const needle = JSON.stringify(id);
    for (let start = 0; ; start += DEAD_PAGE) {
      const page = await this.redis.lrange(key, start, start + DEAD_PAGE - 1);
      for (const entry of page) {
        if (!entry.includes(needle)) continue;
        const parsed = parseDeadLetter(queue, entry);
        if (parsed.id === id) return parsed;
      }
      if (page.length < DEAD_PAGE) return null;
    }
  }

  async requeueDeadLetter(entry: DeadLetterEntry, body: string, priority: number): Promise<1 | 0 | -1> {
    const keys = this.keys.queue(entry.queue).list;
    const message = tryDecodeStored(body, entry.id, entry.queue);
    const keyed = keyedArg({ concurrency: message ? admissionKey(message) : undefined });
    const result = Number(await this.scripts.run('ntAdminRequeueDead', keys, [entry.entry, entry.id, body, priority, keyed]));
    return result === 1 ? 1 : result === -1 ? -1 : 0;
  }

  async deleteDeadLetter(entry: DeadLetterEntry): Promise<boolean> {
    return (await this.redis.lrem(this.keys.queue(entry.queue).dead, 1, entry.entry)) > 0;
  }

  async keepMessage(message: TaskMessage, ttl: number): Promise<void> {
    await this.redis.set(this.keys.failedMessage(message.id), encodeMessageJson(message), 'PX', Math.max(1, Math.ceil(ttl)));
  }

  async keptMessage(id: string): Promise<TaskMessage | null> {
    return tryDecodeJson(await this.redis.get(this.keys.failedMessage(id)));
  }

  async dropKeptMessage(id: string): Promise<void> {
    await this.redis.del(this.keys.failedMessage(id));
  }

  /** Up to `limit` result records found by SCAN (on every master of a Cluster). */
  async sampleResults(limit: number): Promise<ResultRecord[]> {
    const match = `${this.keys.result('')}*`;
    const keys: string[] = [];
    for (const node of isCluster(this.redis) ? this.redis.nodes('master') : [this.redis]) {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0' && keys.length < limit && ++rounds < 50);
      if (keys.length >= limit) break;
    }
    if (keys.length === 0) return [];
    const values = await this.getValues(keys.slice(0, limit));
    return values.map(parseResultRecord).filter((r): r is ResultRecord => r !== null);
  }

  async getResults(ids: string[]): Promise<Array<ResultRecord | null>> {
    if (ids.length === 0) return [];
    const values = await this.getValues(ids.map((id) => this.keys.result(id)));
    return values.map(parseResultRecord);
  }

  /** MGET, one per slot on a Cluster; the values in the order of `keys`. */
  private async getValues(keys: string[]): Promise<Array<string | null>> {
    if (!isCluster(this.redis)) return this.redis.mget(...keys);
    const values = new Map<string, string | null>();
    await Promise.all(
      groupBySlot(keys, (key) => key).map(async (group) => {
        const found = await this.redis.mget(...group);
        group.forEach((key, i) => values.set(key, found[i]));
      }),
    );
    return keys.map((key) => values.get(key) ?? null);
  }
}

/** A kept message: whole JSON (encodeMessageJson), it names its own id and queue. */
function tryDecodeJson(raw: string | null | undefined): TaskMessage | null {
  if (!raw) return null;
  try {
    return decodeMessage(raw);
  } catch {
    return null;
  }
}
