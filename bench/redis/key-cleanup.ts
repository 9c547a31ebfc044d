import type { Redis } from 'ioredis';

/**
 * Deletes every key that starts with `prefix` (SCAN + UNLINK, never FLUSH*):
 * each library in the bench writes under a prefix of its own.
 */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length < 8) throw new Error(`Refusing to delete keys under the short prefix ${JSON.stringify(prefix)}`);
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    // One UNLINK per key: on a Cluster node, keys of one command must share a slot.
    if (keys.length > 0) deleted += (await Promise.all(keys.map((key) => redis.unlink(key)))).reduce((a, b) => a + b, 0);
  } while (cursor !== '0');
  return deleted;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
