import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { TASK_BROKER, TaskModule, type Broker, type TaskModuleOptions } from '../../lib';
export { sleep, waitFor } from '../support/wait';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** Smallest gap between consecutive times (sorted first). */
export function minGap(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let min = Infinity;
  for (let i = 1; i < sorted.length; i++) min = Math.min(min, sorted[i] - sorted[i - 1]);
  return min;
}

/** Most times that fall in any window [t, t + windowMs) starting at one of them. */
export function mostInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

export interface ChildWorker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Opens apps, connections and worker processes for one test and closes them all afterwards. */
export class RoutingHarness {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];
  private readonly children: ChildWorker[] = [];

  async taskApp(options: TaskModuleOptions, providers: Provider[] = [], imports: Array<Type | DynamicModule> = []): Promise<INestApplicationContext> {
    @Module({ imports: [TaskModule.forRoot(options), ...imports], providers })
    class RoutingTestModule {}
    const app = await NestFactory.createApplicationContext(RoutingTestModule, {
      logger: process.env.TEST_LOGS ? undefined : false,
      abortOnError: false,
    });
    this.apps.push(app);
    return app;
  }

  broker(app: INestApplicationContext): Broker {
    return app.get<Broker>(TASK_BROKER);
  }

  redis(url: string): Redis {
    const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    this.connections.push(redis);
    return redis;
  }

  /** Starts test/fixtures/routing-worker-main.ts in a new node process and waits for READY. */
  async workerProcess(env: Record<string, string>): Promise<ChildWorker> {
    const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', 'test/fixtures/routing-worker-main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: ChildWorker = { child, pid: child.pid ?? -1, output: () => output, exited };
    this.children.push(worker);
    await Promise.race([
      waitFor(() => output.includes('READY'), 'the worker process to start', 30_000, 25),
      exited.then(({ code, signal }) => {
        throw new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output}`);
      }),
    ]);
    return worker;
  }

  async kill(worker: ChildWorker): Promise<void> {
    if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
    await worker.exited;
  }

  async closeAll(): Promise<void> {
    for (const worker of this.children.splice(0)) await this.kill(worker);
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    for (const redis of this.connections.splice(0)) await redis.quit().catch(() => redis.disconnect());
  }
}
