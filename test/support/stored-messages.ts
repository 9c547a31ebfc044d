import type { Redis } from 'ioredis';
import { messageBucket } from '../../lib/utils/task-id';

/**
 * Where a Redis queue stores its messages (lib/broker/redis/scripts/includes/queue-helpers.lua):
 * hashes `<prefix>:{<queue>}:messages:<bucket>`, and the hash `…:messages` of pre-0.3 messages.
 */
export function legacyMessagesKey(prefix: string, queue: string): string {
  return `${prefix}:{${queue}}:messages`;
}

/** The bucket hash that holds the message of `id`. */
export function messageKey(prefix: string, queue: string, id: string): string {
  return `${legacyMessagesKey(prefix, queue)}:${messageBucket(id)}`;
}

/** The stored message of `id`, wherever it is, or null. */
export async function storedBody(redis: Redis, prefix: string, queue: string, id: string): Promise<string | null> {
  return (await redis.hget(messageKey(prefix, queue, id), id)) ?? redis.hget(legacyMessagesKey(prefix, queue), id);
}

export async function isStored(redis: Redis, prefix: string, queue: string, id: string): Promise<boolean> {
  return (await storedBody(redis, prefix, queue, id)) !== null;
}

/** The ids of every message the queue stores, over its buckets and the pre-0.3 hash. */
export async function storedIds(redis: Redis, prefix: string, queue: string): Promise<string[]> {
  const legacy = legacyMessagesKey(prefix, queue);
  const keys = [legacy];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${legacy}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const ids = await Promise.all(keys.map((key) => redis.hkeys(key)));
  return ids.flat();
}

export async function storedCount(redis: Redis, prefix: string, queue: string): Promise<number> {
  return (await storedIds(redis, prefix, queue)).length;
}

/**
 * How many messages of the queue are leased: the ids of each reserve call's lease
 * (`…:active:leases` and `…:active:lease:<token>`), and the per-id members of `…:active`.
 */
export async function leasedCount(redis: Redis, prefix: string, queue: string): Promise<number> {
  const active = `${prefix}:{${queue}}:active`;
  const [old, tokens] = await Promise.all([redis.zcard(active), redis.zrange(`${active}:leases`, 0, -1)]);
  const sizes = await Promise.all(tokens.map((token) => redis.scard(`${active}:lease:${token}`)));
  return sizes.reduce((sum, size) => sum + size, old);
}
