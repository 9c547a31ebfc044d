import type { ResolvedQueueOptions } from '../config/queue-options';
import { shardName, shardNames } from '../config/shard-names';

/** FNV-1a, 32 bits: a stable spread of keys over shards, the same in every process. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Which shard of a sharded queue a message goes to, and which shards a worker reads. */
export class QueueShards {
  private readonly turns = new Map<string, number>();

  constructor(private readonly queues: ReadonlyMap<string, ResolvedQueueOptions>) {}

  count(queue: string): number {
    return this.queues.get(queue)?.shards ?? 1;
  }

  /** The configured shards of `queue` (just `queue` when it has one). */
  names(queue: string): string[] {
    return shardNames(queue, this.count(queue));
  }

  /**
   * The shard a message of `queue` goes to: by `key` when given (the same key always
   * lands in the same shard, so its messages keep their order and share one unique
   * lock), else round robin.
   */
  pick(queue: string, key?: string): string {
    const shards = this.count(queue);
    if (shards === 1) return queue;
    if (key !== undefined) return shardName(queue, hashKey(key) % shards);
    const turn = this.turns.get(queue) ?? 0;
    this.turns.set(queue, (turn + 1) % shards);
    return shardName(queue, turn);
  }
}
