import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { TaskClient, TaskModule, TaskWorker, type ResultRecord, type TaskModuleOptions, type WorkerStartOptions } from '../../lib';
import { Marks, marksKey, ReliabilityTasks, type Mark } from '../fixtures/reliability-tasks';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
export { sleep, waitFor } from '../support/wait';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** Resolves with the promise's value, or with `fallback` after `ms` (the timer is cleared either way). */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(resolve, ms, fallback)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The documented layout of a queue's keys (lib/broker/redis/scripts/includes/queue-helpers.lua). */
export type QueuePart = 'ready' | 'prio' | 'delayed' | 'active' | 'messages' | 'lost' | 'wake' | 'dead' | 'pri' | 'seq';
export function queueKey(prefix: string, queue: string, part: QueuePart): string {
  return `${prefix}:{${queue}}:${part}`;
}

export async function readMarks(redis: Redis, prefix: string, key: string): Promise<Mark[]> {
  const entries = await redis.lrange(marksKey(prefix, key), 0, -1);
  return entries.map((entry) => JSON.parse(entry) as Mark);
}

export async function readResult(redis: Redis, prefix: string, id: string): Promise<ResultRecord | null> {
  const json = await redis.get(`${prefix}:result:${id}`);
  return json ? (JSON.parse(json) as ResultRecord) : null;
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly isRunning: () => boolean;
}

export interface InProcessWorker {
  readonly app: INestApplicationContext;
  readonly client: TaskClient;
  readonly worker: TaskWorker;
}

/**
 * Opens app contexts, Redis connections, servers and worker processes for one
 * suite and closes all of them afterwards, so jest exits cleanly even when a test fails.
 */
export class Harness {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];
  private readonly servers: RedisServerHandle[] = [];
  private readonly children: WorkerProcess[] = [];

  /** An app context with TaskModule.forRoot(options) and the reliability tasks. */
  async app(options: TaskModuleOptions): Promise<InProcessWorker> {
    @Module({ imports: [TaskModule.forRoot(options)], providers: [ReliabilityTasks, Marks] })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, {
      logger: process.env.TEST_LOGS ? undefined : false,
      abortOnError: false,
    });
    this.apps.push(app);
    return { app, client: app.get(TaskClient), worker: app.get(TaskWorker) };
  }

  /** `app()` with its worker started. */
  async worker(options: TaskModuleOptions, start: WorkerStartOptions = {}): Promise<InProcessWorker> {
    const made = await this.app(options);
    await made.worker.start(start);
    return made;
  }

  async close(app: INestApplicationContext): Promise<void> {
    const at = this.apps.indexOf(app);
    if (at >= 0) this.apps.splice(at, 1);
    await app.close();
  }

  redis(url: string): Redis {
    const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    this.connections.push(redis);
    return redis;
  }

  /** A redis-server of this suite's own (appendonly for the restart test). */
  async server(options: { appendonly?: boolean } = {}): Promise<RedisServerHandle> {
    const server = await startRedisServer(options);
    this.servers.push(server);
    return server;
  }

  /** Starts test/fixtures/reliability-worker-main.ts in a new node process and waits for READY. */
  async workerProcess(env: Record<string, string | number>): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', 'test/fixtures/reliability-worker-main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', EXIT_WITH_STDIN: '1', ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)])) },
      // stdin stays open as long as this process lives: the worker exits when it closes.
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group, so that closeAll() also takes down pool children that spin.
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    /** Its output is all read. */
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const worker: WorkerProcess = {
      child,
      pid: child.pid ?? -1,
      output: () => output,
      exited,
      isRunning: () => child.exitCode === null && child.signalCode === null,
    };
    this.children.push(worker);
    const ready = () => /^READY /m.test(output);
    await waitFor(() => ready() || !worker.isRunning(), 'the worker process to start', 30_000, 25);
    // A worker may take a deadly task the moment it is ready: exiting after READY is not a failure to start.
    if (!ready()) await closed;
    if (!ready()) {
      const { code, signal } = await exited;
      throw new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output}`);
    }
    return worker;
  }

  async closeAll(): Promise<void> {
    for (const worker of this.children.splice(0)) {
      // The whole group: a pool child spinning in a loop would not notice its parent is gone.
      try {
        process.kill(-worker.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await worker.exited;
      worker.child.stdin?.destroy();
    }
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    for (const redis of this.connections.splice(0)) await redis.quit().catch(() => redis.disconnect());
    for (const server of this.servers.splice(0)) await server.stop();
  }
}
