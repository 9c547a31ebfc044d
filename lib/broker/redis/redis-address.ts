import type { Cluster, RedisOptions } from 'ioredis';
import { isCluster, type RedisClient } from './redis-client';

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
