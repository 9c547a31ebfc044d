/**
 * What publishing events to the Redis stream costs: the same backlog is enqueued and
 * drained by one worker with `events: false` and `events: true`, alternately, on a
 * private redis-server; the medians are compared.
 *
 *   node -r ./test/support/register-ts.js bench/events-cost.ts [--tasks 20000] [--rounds 3] [--concurrency 50]
 *   (or, after npm run build: node dist/bench/events-cost.js)
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { Task, TaskClient, TaskModule } from '../lib';
import { startPrivateRedis } from './redis/private-redis';
import { timeBacklog } from './timed-backlog';

const QUEUE = 'events-cost';
let done = 0;

@Injectable()
class CostTasks {
  @Task({ name: 'cost.noop', queue: QUEUE, maxRetries: 0 })
  noop(_i: number): void {
    done++;
  }
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

interface Run {
  enqueuePerSecond: number;
  processPerSecond: number;
  /** CPU time per task, µs: this process (producer and worker), and redis-server. */
  nodeCpu: number;
  redisCpu: number;
}

/** redis-server's CPU time so far, µs (CPU time is steadier than wall time on a shared machine). */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

function nodeCpu(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function measure(url: string, events: boolean, tasks: number, concurrency: number, round: number): Promise<Run> {
  @Module({ imports: [TaskModule.forRoot({ broker: url, prefix: `cost-${events ? 'on' : 'off'}-${round}`, events })], providers: [CostTasks] })
  class CostModule {}
  const app = await NestFactory.createApplicationContext(CostModule, { logger: ['error'] });
  const client = app.get(TaskClient);
  const args = Array.from({ length: tasks }, (_, i) => [i] as [number]);
  const redis = new IORedis(url);
  const cpuStart = [nodeCpu(), await redisCpu(redis)];
  done = 0;
  const { enqueueMs, processMs } = await timeBacklog(app, {
    queue: QUEUE,
    concurrency,
    enqueue: async () => {
      for (let i = 0; i < args.length; i += 1000) await client.delayMany(CostTasks, 'noop', args.slice(i, i + 1000));
    },
    drained: () => done >= tasks,
  });
  await app.close();
  const cpu = [(nodeCpu() - cpuStart[0]) / tasks, ((await redisCpu(redis)) - cpuStart[1]) / tasks];
  await redis.quit();
  return { enqueuePerSecond: (tasks / enqueueMs) * 1000, processPerSecond: (tasks / processMs) * 1000, nodeCpu: cpu[0], redisCpu: cpu[1] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const tasks = flag('tasks', 20_000);
  const rounds = flag('rounds', 3);
  const concurrency = flag('concurrency', 50);
  const redis = await startPrivateRedis();
  const runs: Record<'off' | 'on', Run[]> = { off: [], on: [] };
  try {
    await measure(redis.url, false, Math.min(tasks, 2000), concurrency, -1); // warm-up (JIT, scripts)
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        runs[mode].push(await measure(redis.url, mode === 'on', tasks, concurrency, round));
      }
    }
  } finally {
    await redis.stop();
  }
  const row = (mode: 'off' | 'on') => ({
    enqueue: median(runs[mode].map((r) => r.enqueuePerSecond)),
    process: median(runs[mode].map((r) => r.processPerSecond)),
    nodeCpu: median(runs[mode].map((r) => r.nodeCpu)),
    redisCpu: median(runs[mode].map((r) => r.redisCpu)),
  });
  const off = row('off');
  const on = row('on');
  const slower = (a: number, b: number) => `${(((a - b) / a) * 100).toFixed(1)}%`;
  const more = (a: number, b: number) => `+${(((b - a) / a) * 100).toFixed(1)}%`;
  console.log(`events-cost: ${tasks} tasks, concurrency ${concurrency}, median of ${rounds} round(s)`);
  for (const [mode, r] of [['off', off], ['on ', on]] as const) {
    console.log(`  events ${mode}: enqueue ${r.enqueue.toFixed(0)}/s, process ${r.process.toFixed(0)}/s, CPU per task: node ${r.nodeCpu.toFixed(0)} µs, redis ${r.redisCpu.toFixed(0)} µs`);
  }
  console.log(`  with events: throughput enqueue ${slower(off.enqueue, on.enqueue)} / process ${slower(off.process, on.process)} slower; CPU per task node ${more(off.nodeCpu, on.nodeCpu)}, redis ${more(off.redisCpu, on.redisCpu)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
