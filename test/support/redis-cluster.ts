import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { BIND_ATTEMPTS, freePort, isAddressInUse, startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait';

const run = promisify(execFile);

/** A local Redis Cluster of masters (no replicas) that the tests start and own. */
export interface RedisClusterHandle {
  /** `redis+cluster://127.0.0.1:p1,127.0.0.1:p2,...` */
  readonly url: string;
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  readonly servers: readonly RedisServerHandle[];
  stop(): Promise<void>;
}

/** A free port whose cluster bus port (port + 10000) is free too; freePort() never hands one out twice. */
async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && (await isFree(port + 10000))) return port;
  }
}

async function isFree(port: number): Promise<boolean> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Starts `masters` cluster-enabled redis-servers and joins them with `redis-cli --cluster create`. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freeClusterPort());
    const started = await Promise.allSettled(ports.map(startClusterNode));
    const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (!failure) return joinCluster(ports, servers);
    await Promise.all(servers.map((server) => server.stop()));
    // a node's port or bus port was bound by another process in the meantime: take new ones
    if (attempt === BIND_ATTEMPTS || !isAddressInUse(failure.reason)) throw failure.reason;
  }
}

function startClusterNode(port: number): Promise<RedisServerHandle> {
  return startRedisServer({ port, extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'] });
}

async function joinCluster(ports: number[], servers: RedisServerHandle[]): Promise<RedisClusterHandle> {
  try {
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await waitFor(async () => {
      const states = await Promise.all(ports.map((port) => clusterState(port)));
      return states.every((state) => state === 'ok');
    }, 'the test cluster to be ok on every node', 20_000, 50);
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    url: `redis+cluster://${nodes.map((node) => `${node.host}:${node.port}`).join(',')}`,
    nodes,
    servers,
    stop: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

async function clusterState(port: number): Promise<string> {
  const connection = new IORedis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null });
  try {
    await connection.connect();
    const info = String(await connection.call('CLUSTER', 'INFO'));
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'down';
  } finally {
    connection.disconnect();
  }
}
