import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { freePort, startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait';

export const SENTINEL_MASTER = 'testmaster';

/** A master, its replica and three Sentinels watching them, started and owned by a test. */
export interface SentinelSetup {
  /** `redis+sentinel://127.0.0.1:s1,127.0.0.1:s2,127.0.0.1:s3/testmaster` */
  readonly url: string;
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  readonly servers: readonly RedisServerHandle[];
  /** The port of the current master, as the Sentinels see it. */
  masterPort(): Promise<number>;
  /** Resolves once the current master has a replica in sync. */
  inSync(): Promise<void>;
  stop(): Promise<void>;
}

function startSentinel(port: number, masterPort: number, dir: string): Promise<ChildProcess> {
  const config = join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      'protected-mode no',
      `dir ${dir}`,
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Sentinel ID is|\+monitor master/.test(output)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`redis-sentinel exited with ${code}: ${output}`)));
  });
}

async function replicaOnline(masterPort: number): Promise<void> {
  await waitFor(async () => {
    const connection = new IORedis({ host: '127.0.0.1', port: masterPort, lazyConnect: true, retryStrategy: () => null });
    try {
      await connection.connect();
      return /slave0:.*state=online/.test(await connection.info('replication'));
    } catch {
      return false;
    } finally {
      connection.disconnect();
    }
  }, 'the replica to be in sync', 30_000, 50);
}

export async function startSentinelSetup(): Promise<SentinelSetup> {
  const master = await startRedisServer();
  const replica = await startRedisServer({ extraArgs: ['--replicaof', '127.0.0.1', String(master.port)] });
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-tasks-sentinel-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children = await Promise.all(ports.map((port) => startSentinel(port, master.port, dir)));
  const sentinels = ports.map((port) => ({ host: '127.0.0.1', port }));
  const ask = async (port: number) => {
    const sentinel = new IORedis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    try {
      await sentinel.connect();
      return await sentinel.call('SENTINEL', 'REPLICAS', SENTINEL_MASTER);
    } finally {
      sentinel.disconnect();
    }
  };
  await replicaOnline(master.port);
  await waitFor(async () => (await Promise.all(ports.map(ask))).every((replicas) => Array.isArray(replicas) && replicas.length > 0), 'the Sentinels to see the replica', 20_000, 100);
  const setup: SentinelSetup = {
    url: `redis+sentinel://${sentinels.map((s) => `${s.host}:${s.port}`).join(',')}/${SENTINEL_MASTER}`,
    sentinels,
    servers: [master, replica],
    async inSync() {
      await replicaOnline(await setup.masterPort());
    },
    async masterPort() {
      for (const port of ports) {
        const sentinel = new IORedis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
        try {
          await sentinel.connect();
          const [, masterPort] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER)) as [string, string];
          return Number(masterPort);
        } catch {
          // this Sentinel is down: ask the next
        } finally {
          sentinel.disconnect();
        }
      }
      throw new Error('no Sentinel answered');
    },
    async stop() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
      await Promise.all([master.stop(), replica.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return setup;
}
