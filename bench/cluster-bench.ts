import { randomBytes } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import { killAllChildren, startChild } from './child-runner';
import type { ChildJob, LibraryName } from './child/protocol';
import { deleteKeysWithPrefix } from './redis/key-cleanup';
import { startPrivateCluster, type PrivateCluster } from './redis/private-cluster';
import { startPrivateRedis, type PrivateRedis } from './redis/private-redis';
import { median } from './report/stats';
import { cpuPerTask, rateOf } from './scenarios/enqueue.scenario';

/** Options of `npm run bench -- --cluster`. */
export interface ClusterBenchOptions {
  tasks: number;
  concurrency: number;
  chunk: number;
  rounds: number;
  masters: number;
  shards: number;
  libs: readonly LibraryName[];
  /** Children run with --cpu-prof into this folder. */
  profileDir?: string;
}

type Target = 'one node' | 'cluster';

interface Figure {
  rate: number;
  /** Redis CPU per processed task, µs, all nodes together. */
  redisCpuPerTask: number;
  /** Each node's share of the Redis CPU of the processing, in node order. */
  shares: number[];
}

const QUEUE = 'bench';

/** A node's CPU time so far, ms, and the calls it has served (scripts' own calls left out). */
async function usage(node: Redis): Promise<{ cpuMs: number; calls: number }> {
  const [cpu, stats] = await Promise.all([node.info('cpu'), node.info('commandstats')]);
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  const calls = /^cmdstat_evalsha:calls=(\d+)/m.exec(stats);
  return { cpuMs: (field('used_cpu_user') + field('used_cpu_sys')) * 1000, calls: Number(calls?.[1] ?? 0) };
}

/**
 * One hot queue on a 3-master Redis Cluster against the same queue on one node: the
 * backlog is filled (delayMany / addBulk) and drained by one worker process, and each
 * node's Redis CPU is read before and after. nestjs-tasks spreads the queue over
 * `shards` shards on the cluster; BullMQ keeps a queue in one slot (its prefix a hash tag).
 */
export async function runClusterBench(options: ClusterBenchOptions): Promise<void> {
  const log = (text: string) => process.stderr.write(`${text}\n`);
  let node: PrivateRedis | undefined;
  let cluster: PrivateCluster | undefined;
  const connections: Redis[] = [];
  try {
    [node, cluster] = await Promise.all([startPrivateRedis(), startPrivateCluster(options.masters)]);
    const nodeConnections = { 'one node': [new IORedis(node.url)], cluster: cluster.nodes.map((n) => new IORedis(n.port, n.host)) };
    connections.push(...nodeConnections['one node'], ...nodeConnections.cluster);
    const urls: Record<Target, string> = { 'one node': node.url, cluster: cluster.url };
    log(`one hot queue: ${options.tasks} tasks, concurrency ${options.concurrency}; cluster of ${options.masters} masters, nestjs-tasks with ${options.shards} shards there`);
    const figures = new Map<string, Figure[]>();
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) log(`round ${round} of ${options.rounds}`);
      for (const target of ['one node', 'cluster'] as const) {
        const libs = round % 2 === 0 ? [...options.libs].reverse() : options.libs;
        for (const lib of libs) {
          const tag = randomBytes(4).toString('hex');
          // On a cluster every BullMQ key must share a slot: its prefix is a hash tag.
          const prefix = lib === 'bullmq' ? (target === 'cluster' ? `{bench-bull-${tag}}` : `bench-bull-${tag}`) : `bench-nt-${tag}`;
          const shards = lib === 'nestjs-tasks' && target === 'cluster' ? options.shards : 1;
          const base = { lib, redisUrl: urls[target], prefix, queue: QUEUE, shards };
          await startChild({ ...base, kind: 'fill', tasks: options.tasks, chunk: options.chunk, priorities: false } as ChildJob, { label: `cluster-fill-${lib}`, timeoutMs: 300_000, profileDir: options.profileDir }).result;
          const nodes = nodeConnections[target];
          const before = await Promise.all(nodes.map(usage));
          const result = await startChild({ ...base, kind: 'process', tasks: options.tasks, concurrency: options.concurrency } as ChildJob, { label: `${round}-${target.replace(' ', '-')}-process-${lib}`, timeoutMs: 300_000, profileDir: options.profileDir }).result;
          const after = await Promise.all(nodes.map(usage));
          const used = after.map((a, i) => a.cpuMs - before[i].cpuMs);
          const scriptCalls = after.reduce((sum, a, i) => sum + a.calls - before[i].calls, 0);
          const total = used.reduce((a, b) => a + b, 0);
          const figure: Figure = { rate: rateOf(result), redisCpuPerTask: (total * 1000) / options.tasks, shares: used.map((ms) => (total > 0 ? ms / total : 0)) };
          const key = `${target}|${lib}`;
          figures.set(key, [...(figures.get(key) ?? []), figure]);
          log(`  ${target.padEnd(8)} ${lib.padEnd(13)} ${Math.round(figure.rate).toLocaleString('en-US')} tasks/s, Redis CPU ${figure.redisCpuPerTask.toFixed(1)} µs/task, per node ${figure.shares.map((s) => `${Math.round(s * 100)}%`).join(' / ')}; ${(scriptCalls / options.tasks).toFixed(3)} script calls per task; worker CPU ${cpuPerTask(result).toFixed(1)} µs/task`);
          for (const connection of nodes) await deleteKeysWithPrefix(connection, prefix.startsWith('{') ? prefix : `${prefix}:`);
        }
      }
    }
    process.stdout.write(`\n${renderClusterTable(figures, options)}\n`);
  } finally {
    killAllChildren();
    for (const connection of connections) connection.disconnect();
    await Promise.all([node?.stop(), cluster?.stop()]);
  }
}

/** The medians as a Markdown table. */
export function renderClusterTable(figures: ReadonlyMap<string, Figure[]>, options: ClusterBenchOptions): string {
  const med = (key: string, pick: (f: Figure) => number) => median((figures.get(key) ?? []).map(pick));
  const lines = [
    `| processing a ${options.tasks.toLocaleString('en-US')} backlog, one worker process, concurrency ${options.concurrency} | one node | ${options.masters}-master cluster | cluster / one node | Redis CPU per task (one node / cluster) | each master's share of Redis CPU |`,
    '|---|---|---|---|---|---|',
  ];
  for (const lib of options.libs) {
    const one = med(`one node|${lib}`, (f) => f.rate);
    const many = med(`cluster|${lib}`, (f) => f.rate);
    const shares = Array.from({ length: options.masters }, (_, i) => med(`cluster|${lib}`, (f) => f.shares[i] ?? 0));
    const name = lib === 'nestjs-tasks' ? `nestjs-tasks (${options.shards} shards on the cluster)` : 'BullMQ (one queue, one slot)';
    lines.push(
      `| ${name} | ${Math.round(one).toLocaleString('en-US')}/s | ${Math.round(many).toLocaleString('en-US')}/s | ${(many / one).toFixed(2)}x | ${med(`one node|${lib}`, (f) => f.redisCpuPerTask).toFixed(1)} / ${med(`cluster|${lib}`, (f) => f.redisCpuPerTask).toFixed(1)} µs | ${shares.map((s) => `${Math.round(s * 100)}%`).join(' / ')} |`,
    );
  }
  return lines.join('\n');
}
