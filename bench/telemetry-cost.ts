/**
 * What OpenTelemetry costs: the same backlog is enqueued (delayMany, chunks of 1000) and
 * drained by one worker in three set-ups, each in a fresh process on a private
 * redis-server, in turns: `telemetry: false`; telemetry on with no provider registered
 * (the app did not set up the SDK); and a recording tracer and meter provider (every span
 * sampled, ended spans batched by a BatchSpanProcessor to an exporter that drops them). Medians.
 *
 *   node -r ./test/support/register-ts.js bench/telemetry-cost.ts [--tasks 20000] [--rounds 3] [--concurrency 50]
 *   (or, after npm run build: node dist/bench/telemetry-cost.js)
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Task, TaskClient, TaskModule } from '../lib';
import { startPrivateRedis } from './redis/private-redis';
import { installRecordingSdk } from './telemetry/recording-sdk';
import { timeBacklog } from './timed-backlog';

const QUEUE = 'telemetry-cost';
const VARIANTS = ['off', 'no-provider', 'recording'] as const;
type Variant = (typeof VARIANTS)[number];
let done = 0;

@Injectable()
class CostTasks {
  @Task({ name: 'cost.noop', queue: QUEUE, maxRetries: 0 })
  noop(_i: number): void {
    done++;
  }
}

interface Run {
  enqueuePerSecond: number;
  processPerSecond: number;
  /** CPU time of this process per task (producer and worker), µs. */
  cpuPerTask: number;
  spans: number;
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : undefined;
}

/** One measurement, in this (fresh) process. */
async function measure(url: string, variant: Variant, tasks: number, concurrency: number, prefix: string): Promise<Run> {
  const spans = variant === 'recording' ? await installRecordingSdk() : () => Promise.resolve(0);
  @Module({ imports: [TaskModule.forRoot({ broker: url, prefix, telemetry: variant !== 'off' })], providers: [CostTasks] })
  class CostModule {}
  const app = await NestFactory.createApplicationContext(CostModule, { logger: ['error'] });
  const client = app.get(TaskClient);
  const args = Array.from({ length: tasks }, (_, i) => [i] as [number]);
  // Warm-up: the JIT and the scripts, on a queue of its own.
  for (let i = 0; i < 2000; i += 1000) await client.delayMany(CostTasks, 'noop', args.slice(i, i + 1000), { queue: 'warm-up' });
  const spansBefore = await spans();
  const cpuStart = process.cpuUsage();
  done = 0;
  const { enqueueMs, processMs } = await timeBacklog(app, {
    queue: QUEUE,
    concurrency,
    enqueue: async () => {
      for (let i = 0; i < args.length; i += 1000) await client.delayMany(CostTasks, 'noop', args.slice(i, i + 1000));
    },
    drained: () => done >= tasks,
  });
  const cpu = process.cpuUsage(cpuStart);
  await app.close();
  return { enqueuePerSecond: (tasks / enqueueMs) * 1000, processPerSecond: (tasks / processMs) * 1000, cpuPerTask: (cpu.user + cpu.system) / tasks, spans: (await spans()) - spansBefore };
}

/** Runs one measurement in a child process (each variant needs its own globals). */
function measureInChild(url: string, variant: Variant, tasks: number, concurrency: number, prefix: string): Promise<Run> {
  const args = [...process.execArgv, process.argv[1], '--child', variant, '--url', url, '--tasks', String(tasks), '--concurrency', String(concurrency), '--prefix', prefix];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RUN '));
      if (code !== 0 || !line) reject(new Error(`telemetry-cost child (${variant}) exited ${code}:\n${out}`));
      else resolve(JSON.parse(line.slice(4)) as Run);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const tasks = flag('tasks', 20_000);
  const concurrency = flag('concurrency', 50);
  const child = option('child') as Variant | undefined;
  if (child) {
    const run = await measure(option('url')!, child, tasks, concurrency, option('prefix')!);
    process.stdout.write(`RUN ${JSON.stringify(run)}\n`);
    return;
  }
  const rounds = flag('rounds', 3);
  const redis = await startPrivateRedis();
  const runs: Record<Variant, Run[]> = { off: [], 'no-provider': [], recording: [] };
  try {
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) runs[variant].push(await measureInChild(redis.url, variant, tasks, concurrency, `tcost-${variant}-${round}`));
    }
  } finally {
    await redis.stop();
  }
  const off = runs.off;
  const base = { enqueue: median(off.map((r) => r.enqueuePerSecond)), process: median(off.map((r) => r.processPerSecond)), cpu: median(off.map((r) => r.cpuPerTask)) };
  const delta = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;
  console.log(`telemetry-cost: ${tasks} tasks, concurrency ${concurrency}, median of ${rounds} round(s)`);
  console.log('| telemetry | enqueue | process | CPU per task (producer + worker) | spans per task |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const variant of VARIANTS) {
    const list = runs[variant];
    const enqueue = median(list.map((r) => r.enqueuePerSecond));
    const processRate = median(list.map((r) => r.processPerSecond));
    const cpu = median(list.map((r) => r.cpuPerTask));
    const spans = median(list.map((r) => r.spans)) / tasks;
    const vs = variant === 'off' ? '' : ` (${delta(base.enqueue, enqueue)})`;
    const vsProcess = variant === 'off' ? '' : ` (${delta(base.process, processRate)})`;
    const vsCpu = variant === 'off' ? '' : ` (${delta(base.cpu, cpu)})`;
    console.log(`| ${variant} | ${Math.round(enqueue)}/s${vs} | ${Math.round(processRate)}/s${vsProcess} | ${cpu.toFixed(1)} µs${vsCpu} | ${spans.toFixed(2)} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
