import { startRedisCluster, type RedisClusterHandle } from './redis-cluster';
import { startRedisServer, type RedisServerHandle } from './redis-server';

declare global {
  var __TEST_REDIS__: RedisServerHandle | undefined;
  var __TEST_REDIS_CLUSTER__: RedisClusterHandle | undefined;
}

/**
 * Starts the suite's own redis-server unless REDIS_URL names one to use instead, and its
 * own 3-master Redis Cluster unless REDIS_CLUSTER_URL names one.
 */
export default async function globalSetup(): Promise<void> {
  const [server, cluster] = await Promise.all([
    process.env.REDIS_URL ? undefined : startRedisServer(),
    process.env.REDIS_CLUSTER_URL ? undefined : startRedisCluster(3),
  ]);
  globalThis.__TEST_REDIS__ = server;
  globalThis.__TEST_REDIS_CLUSTER__ = cluster;
  process.env.TEST_REDIS_URL = server?.url ?? process.env.REDIS_URL;
  process.env.TEST_REDIS_CLUSTER_URL = cluster?.url ?? process.env.REDIS_CLUSTER_URL;
}
