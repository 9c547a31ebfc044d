import { parseShardName } from '../../../config/shard-names';
import { keySlot, SLOT_COUNT } from './key-slot';

/** 1/φ: spaces the rounds of three shards apart. */
const GOLDEN = 0.6180339887498949;

/**
 * Where shard i aims, as a fraction of the slot space past shard 0: shards come in rounds
 * of three a third apart (three masters, the usual Cluster, each get one of every round;
 * six get one each of the first two rounds), and rounds are shifted by multiples of 1/φ.
 */
function aimOf(shard: number): number {
  return (shard % 3) / 3 + ((Math.floor(shard / 3) * GOLDEN) % 1) / 3;
}
/** How far from its aim a shard's slot may fall. */
const WINDOW = 48;

/**
 * The hash tag of a queue's keys. A queue, and shard 0 of a sharded one, is tagged with
 * its own name; shard i > 0 gets `<name>~<n>` with the first n whose slot lies near
 * its aim (aimOf), so that the shards of one queue spread over a Cluster's
 * masters (which own contiguous slot ranges) instead of landing where their hashes fall.
 */
export function queueHashTag(name: string): string {
  const { queue, shard } = parseShardName(name);
  if (shard === 0) return name;
  // From shard 0's slot: shard 0 (the queue's own name) falls where its hash does.
  const aim = Math.floor((keySlot(`{${queue}}`) + aimOf(shard) * SLOT_COUNT) % SLOT_COUNT);
  for (let n = 0; ; n++) {
    const tag = `${name}~${n}`;
    const distance = Math.abs(keySlot(`{${tag}}`) - aim);
    if (Math.min(distance, SLOT_COUNT - distance) <= WINDOW) return tag;
  }
}
