import IORedis, { Cluster, type ClusterNode, type ClusterOptions, type Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@nestjs/common';
import { isMultiHostUrl, parseMultiHostUrl, type MultiHostAddress } from '../../config/broker-address';
import type { BrokerOption } from '../../config/task-module-options.interface';
import { BrokerConnectionError } from '../../errors';

/** A connection to one Redis (a node, or a master found through Sentinel) or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How long to wait between reconnects once running: grows to 2 s and never gives up. */
export const reconnectDelay = (times: number): number => Math.min(times * 100, 2000);

/** An address safe to print: no password. */
export function describeRedis(options: RedisOptions): string {
  const scheme = options.tls ? 'rediss' : 'redis';
  if (options.sentinels && options.sentinels.length > 0) {
    const sentinels = options.sentinels.map((node) => hostPort(node.host ?? '127.0.0.1', node.port ?? 26379)).join(',');
    return `${scheme}+sentinel://${sentinels}/${options.name ?? 'mymaster'}${options.db ? `/${options.db}` : ''}`;
  }
  if (options.path) return `${scheme}://${options.path}`;
  const host = options.host ?? '127.0.0.1';
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${options.port ?? 6379}/${options.db ?? 0}`;
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The startup nodes of a cluster, safe to print. */
export function describeCluster(cluster: Cluster): string {
  const nodes: unknown = Reflect.get(cluster, 'startupNodes');
  const list = (Array.isArray(nodes) ? nodes : []).map((node: unknown) => {
    if (typeof node === 'number') return hostPort('127.0.0.1', node);
    if (typeof node === 'string') return node.replace(/^[a-z]+:\/\/([^@/]*@)?/i, '').replace(/\/.*$/, '');
    const { host, port } = (node ?? {}) as { host?: string; port?: number };
    return hostPort(host ?? '127.0.0.1', port ?? 6379);
  });
  const tls = cluster.options.redisOptions?.tls ? 'rediss' : 'redis';
  return `${tls}+cluster://${list.join(',')}`;
}

export function describeClient(client: RedisClient): string {
  return isCluster(client) ? describeCluster(client) : describeRedis(client.options);
}

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

/**
 * Connects (or checks an existing connection) with `attempts` tries, `delayMs` apart;
 * throws BrokerConnectionError with the address and the last error.
 */
export async function connectWithRetries(redis: RedisClient, address: string, attempts: number, delayMs: number, owned = true): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (redis.status === 'wait' || redis.status === 'end') {
        await connectOnce(redis);
      }
      await redis.ping();
      return;
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  if (owned) redis.disconnect();
  throw new BrokerConnectionError(address, attempts, lastError);
}

/** One try: no automatic reconnects while we are still deciding whether Redis is there. */
async function connectOnce(redis: RedisClient): Promise<void> {
  if (isCluster(redis)) {
    const strategy = redis.options.clusterRetryStrategy;
    redis.options.clusterRetryStrategy = () => null;
    try {
      await redis.connect();
    } finally {
      redis.options.clusterRetryStrategy = strategy;
    }
    return;
  }
  const strategy = redis.options.retryStrategy;
  redis.options.retryStrategy = () => null;
  try {
    await redis.connect();
  } finally {
    redis.options.retryStrategy = strategy;
  }
}

/** At most one log line per connection in this period while errors repeat. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Logs a connection's errors instead of swallowing them: the first at once, then
 * at most one line per 10 s with how many were left out, and a line when it is
 * ready again. `address` is printed as given: pass one without credentials.
 */
export function logConnectionErrors(redis: RedisClient, role: string, address: string, logger: Pick<Logger, 'warn' | 'log'>): void {
  let lastLogged = 0;
  let unlogged = 0;
  let failing = false;
  redis.on('error', (error: Error) => {
    failing = true;
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    const more = unlogged > 0 ? ` (${unlogged} more since the last report)` : '';
    logger.warn(`Redis ${role} connection to ${address}: ${error.message}${more}`);
    lastLogged = now;
    unlogged = 0;
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    lastLogged = 0;
    unlogged = 0;
    logger.log(`Redis ${role} connection to ${address} is back`);
  });
}
