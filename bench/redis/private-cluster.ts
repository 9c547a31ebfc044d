import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import IORedis from 'ioredis';
import { freePort, startPrivateRedis, type PrivateRedis } from './private-redis';

const run = promisify(execFile);

/** A Redis Cluster of masters started for this run only. */
export interface PrivateCluster {
  /** `redis+cluster://127.0.0.1:p1,…` */
  readonly url: string;
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  stop(): Promise<void>;
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 <= 65535 && !taken.has(port) && (await isFree(port + 10000))) {
      taken.add(port);
      return port;
    }
  }
}

export async function startPrivateCluster(masters: number): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-tasks-bench-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await clusterPort(taken));
  const servers: PrivateRedis[] = await Promise.all(
    ports.map((port) => startPrivateRedis({ port, extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--cluster-announce-ip', '127.0.0.1'] })),
  );
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (masters >= 3) {
      await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    } else {
      // redis-cli wants three masters: fewer are joined and given their slots by hand.
      for (const [i, port] of ports.entries()) {
        const node = new IORedis({ port, lazyConnect: true });
        await node.connect();
        if (i > 0) await node.call('CLUSTER', 'MEET', '127.0.0.1', ports[0]);
        const first = Math.floor((16384 * i) / masters);
        const last = Math.floor((16384 * (i + 1)) / masters) - 1;
        await node.call('CLUSTER', 'ADDSLOTSRANGE', first, last);
        node.disconnect();
      }
    }
    for (const port of ports) {
      const node = new IORedis({ port, lazyConnect: true });
      await node.connect();
      for (let tries = 0; !/cluster_state:ok/.test(String(await node.call('CLUSTER', 'INFO'))); tries++) {
        if (tries > 200) throw new Error(`cluster node ${port} did not become ok`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      node.disconnect();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return { url: `redis+cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`, nodes, stop };
}
