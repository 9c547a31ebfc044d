import type { Redis } from 'ioredis';
import { isCluster, type RedisClient } from '../redis-client';
import { keySlot } from './key-slot';

/**
 * The master connections that hold `keys` now (one each, no repeats): the very
 * connections a Cluster client sent their commands on, so a command sent on one of
 * them comes after those. A slot the client does not know yet falls back to the client.
 */
export function mastersOf(client: RedisClient, keys: readonly string[]): Array<RedisClient | Redis> {
  if (!isCluster(client)) return [client];
  const byAddress = new Map<string, Redis>(client.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node] as const));
  const found = new Set<RedisClient | Redis>();
  for (const key of keys) {
    const address = client.slots[keySlot(key)]?.[0];
    found.add((address && byAddress.get(address)) || client);
  }
  return [...found];
}
