/**
 * Shard `i` of queue `emails` is the queue `emails#i` (shard 0 is `emails` itself, so a
 * queue given shards later keeps what already waits in it). `#` is not allowed in
 * queue names, so a shard name never collides with a queue of the user's.
 */
const SEPARATOR = '#';

export function shardName(queue: string, shard: number): string {
  return shard === 0 ? queue : `${queue}${SEPARATOR}${shard}`;
}

/** The queue and shard a physical queue name stands for. */
export function parseShardName(name: string): { queue: string; shard: number } {
  const at = name.lastIndexOf(SEPARATOR);
  if (at <= 0) return { queue: name, shard: 0 };
  const shard = Number(name.slice(at + 1));
  return Number.isInteger(shard) && shard > 0 ? { queue: name.slice(0, at), shard } : { queue: name, shard: 0 };
}

/** The shard names of `queue` with `shards` shards. */
export function shardNames(queue: string, shards: number): string[] {
  return Array.from({ length: shards }, (_, i) => shardName(queue, i));
}
