/**
 * Celery messages on one Redis queue, drained by a Nest worker and by Celery workers (solo
 * and prefork), side by side: the same Python-made messages (`send_task('bench.noop', [i])`,
 * results stored in Celery's backend), the time to the last result (from the worker's start
 * for ours, from the first pop for Celery's, whose start-up takes longer).
 *
 *   npm run build && node dist/bench/celery/celery-wire.js [count=5000]
 *
 * Needs /usr/bin/python3 with python3-celery and python3-redis.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { Task, TaskModule, TaskWorker } from 'nestjs-tasks';
import { startPrivateRedis } from '../redis/private-redis';

const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
// The Python files sit next to the sources (bench/celery), also when run from dist/.
const PY_DIR = join(__dirname, '..', '..', '..', 'bench', 'celery');

@Injectable()
class BenchTasks {
  @Task({ name: 'bench.noop' })
  noop(i: number): number {
    return i;
  }
}

function fill(url: string, count: number, queue: string): void {
  const run = spawnSync(PYTHON, ['bench_app.py', 'fill', String(count), queue], { cwd: PY_DIR, env: { ...process.env, REDIS_URL: url }, stdio: 'inherit' });
  if (run.status !== 0) throw new Error(`filling the queue failed (${run.status})`);
}

/** Every message's result is in Celery's backend. */
async function drained(redis: IORedis, count: number): Promise<void> {
  for (;;) {
    const results = Number(await redis.eval("return #redis.call('KEYS', ARGV[1])", 0, 'celery-task-meta-*'));
    if (results >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function nestWorker(url: string, count: number, concurrency: number): Promise<number> {
  @Module({ imports: [TaskModule.forRoot({ broker: url, queues: { bench: { protocol: 'celery' } } })], providers: [BenchTasks] })
  class BenchModule {}
  const app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
  const redis = new IORedis(url);
  const start = performance.now();
  await app.get(TaskWorker).start({ queues: ['bench'], concurrency, prefetch: concurrency * 4 });
  await drained(redis, count);
  const ms = performance.now() - start;
  await app.close();
  redis.disconnect();
  return ms;
}

async function celeryWorker(url: string, count: number, pool: 'solo' | 'prefork', concurrency: number): Promise<number> {
  const redis = new IORedis(url);
  const args = ['-m', 'celery', '-A', 'bench_app', 'worker', '-Q', 'bench', '--pool', pool, '--without-mingle', '--without-gossip', '--without-heartbeat', '-l', 'WARNING'];
  if (pool === 'prefork') args.push('-c', String(concurrency));
  const child = spawn(PYTHON, args, { cwd: PY_DIR, env: { ...process.env, REDIS_URL: url }, stdio: 'ignore' });
  // Timed from its first pop: its start-up (imports, forks) is not counted.
  while ((await redis.llen('bench')) === count) await new Promise((resolve) => setTimeout(resolve, 5));
  const start = performance.now();
  await drained(redis, count);
  const ms = performance.now() - start;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  redis.disconnect();
  return ms;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 5000);
  const concurrency = Math.max(2, cpus().length);
  const server = await startPrivateRedis();
  const admin = new IORedis(server.url);
  const rows: Array<[string, number]> = [];
  try {
    const runs: Array<[string, () => Promise<number>]> = [
      // Inline pool: concurrency is async slots in one process (a no-op task never blocks), as in our own benchmarks.
      ['nestjs-tasks worker (inline, concurrency 10)', () => nestWorker(server.url, count, 10)],
      ['celery worker --pool solo', () => celeryWorker(server.url, count, 'solo', 1)],
      [`celery worker --pool prefork -c ${concurrency}`, () => celeryWorker(server.url, count, 'prefork', concurrency)],
    ];
    for (const [name, run] of runs) {
      await admin.flushdb();
      fill(server.url, count, 'bench');
      const ms = await run();
      rows.push([name, ms]);
      process.stdout.write(`${name}: ${count} tasks in ${ms.toFixed(0)} ms = ${((count / ms) * 1000).toFixed(0)} tasks/s\n`);
    }
  } finally {
    admin.disconnect();
    await server.stop();
  }
  process.stdout.write(`\n| worker | tasks/s |\n| --- | ---: |\n${rows.map(([name, ms]) => `| ${name} | ${((count / ms) * 1000).toFixed(0)} |`).join('\n')}\n`);
}

void main().then(
  () => process.exit(0),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
