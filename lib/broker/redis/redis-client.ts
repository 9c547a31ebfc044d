import IORedis, { Cluster, type ClusterNode, type ClusterOptions, type Redis, type RedisOptions } from 'ioredis';
import { isMultiHostUrl, parseMultiHostUrl, type MultiHostAddress } from '../../config/broker-address';
import type { BrokerOption } from '../../config/task-module-options.interface';

/** A connection to one Redis (a node, or a master found through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How long to wait between reconnects once running: grows to 2 s and never gives up. */
export const reconnectDelay = (times: number): number => Math.min(times * 100, 2000);

export function isCluster(client: unknown): client is Cluster {
  return client instanceof Cluster || (typeof client === 'object' && client !== null && Reflect.get(client, 'isCluster') === true);
}

export function isRedisInstance(value: unknown): value is RedisClient {
  return value instanceof IORedis || isCluster(value) || (typeof value === 'object' && value !== null && 'duplicate' in value && 'options' in value);
}

/**
 * Through Sentinel, a READONLY reply means the master we talk to was demoted by a
 * failover: reconnect (Sentinel names the new master) and send the command again.
 */
const reconnectOnReadOnly = (error: Error): 2 | false => (/^READONLY/.test(error.message) ? 2 : false);

/** Creates a connection that does not connect until asked to. */
export function createRedis(source: string | RedisOptions): Redis {
  const extra: RedisOptions = { lazyConnect: true, retryStrategy: reconnectDelay };
  if (typeof source === 'string') return new IORedis(source, extra);
  const failover: RedisOptions = source.sentinels && !source.reconnectOnError ? { reconnectOnError: reconnectOnReadOnly } : {};
  return new IORedis({ ...source, ...failover, ...extra });
}

/** Creates a cluster connection that does not connect until asked to. */
export function createCluster(nodes: ClusterNode[], options: ClusterOptions = {}): Cluster {
  return new Cluster(nodes, { ...options, lazyConnect: true, clusterRetryStrategy: reconnectDelay });
}

function fromAddress(address: MultiHostAddress): RedisClient {
  const auth: RedisOptions = {};
  if (address.username) auth.username = address.username;
  if (address.password) auth.password = address.password;
  if (address.tls) auth.tls = {};
  if (address.kind === 'cluster') return createCluster(address.nodes, { redisOptions: auth });
  return createRedis({ ...auth, sentinels: address.nodes, name: address.name, db: address.db ?? 0 });
}

/** The client a broker option names, and whether the broker owns it (and closes it). */
export function openClient(source: Exclude<BrokerOption, string> | string): { client: RedisClient; owned: boolean } {
  if (typeof source === 'string') {
    return { client: isMultiHostUrl(source) ? fromAddress(parseMultiHostUrl(source)) : createRedis(source), owned: true };
  }
  if ('cluster' in source) {
    return isCluster(source.cluster) ? { client: source.cluster, owned: false } : { client: createCluster(source.cluster, source.options), owned: true };
  }
  return isRedisInstance(source.redis) ? { client: source.redis, owned: false } : { client: createRedis(source.redis), owned: true };
}

/**
 * Another connection like `client` (same node or cluster, same credentials), for a role
 * that needs its own: pub/sub, blocking reads. Does not connect until asked to.
 */
export function duplicateClient(client: RedisClient, options: { blocking?: boolean } = {}): RedisClient {
  const perRequest: RedisOptions = options.blocking ? { maxRetriesPerRequest: null } : {};
  if (isCluster(client)) {
    return client.duplicate([], {
      lazyConnect: true,
      clusterRetryStrategy: reconnectDelay,
      redisOptions: { ...client.options.redisOptions, ...perRequest },
    });
  }
  return client.duplicate({ lazyConnect: true, retryStrategy: reconnectDelay, ...perRequest });
}
