import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { TASK_BROKER, TaskModule, type Broker, type TaskModuleOptions } from '../../lib';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
export { sleep, waitFor } from '../support/wait';
import { waitFor } from '../support/wait';

const ROOT = join(__dirname, '..', '..');

/** `INFO commandstats` as { command: calls }. */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return calls;
}

/** Every key of the server, with SCAN (never KEYS). */
export async function scanAll(redis: Redis, match = '*'): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** The documented layout of a queue's keys (lib/broker/redis/scripts/includes/queue-helpers.lua). */
export function queueKey(prefix: string, queue: string, part: 'ready' | 'prio' | 'delayed' | 'active' | 'messages' | 'lost' | 'wake' | 'dead'): string {
  return `${prefix}:{${queue}}:${part}`;
}

export function resultKey(prefix: string, id: string): string {
  return `${prefix}:result:${id}`;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Opens app contexts, Redis connections, servers and child processes for one test and
 * closes all of them afterwards, so jest exits cleanly even when a test fails.
 */
export class Harness {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];
  private readonly servers: RedisServerHandle[] = [];
  private readonly children: WorkerProcess[] = [];

  /** An app context with TaskModule.forRoot(options) and the given providers and modules. */
  async taskApp(
    options: TaskModuleOptions,
    providers: Provider[] = [FoundationTasks, Greeter],
    imports: Array<Type | DynamicModule> = [],
  ): Promise<INestApplicationContext> {
    return this.app([TaskModule.forRoot(options), ...imports], providers);
  }

  /** An app context of any root module made of `imports` and `providers`. */
  async app(imports: Array<Type | DynamicModule>, providers: Provider[] = []): Promise<INestApplicationContext> {
    @Module({ imports, providers })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, {
      logger: process.env.TEST_LOGS ? undefined : false,
      abortOnError: false,
    });
    this.apps.push(app);
    return app;
  }

  /** Closes one app now (and forgets it). */
  async close(app: INestApplicationContext): Promise<void> {
    const at = this.apps.indexOf(app);
    if (at >= 0) this.apps.splice(at, 1);
    await app.close();
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

  /** A redis-server of this test's own, for assertions about the whole server (commandstats, SCAN). */
  async server(): Promise<RedisServerHandle> {
    const server = await startRedisServer();
    this.servers.push(server);
    return server;
  }

  /** Starts test/fixtures/foundation-worker-main.ts in a new node process and waits for READY. */
  async workerProcess(env: Record<string, string>): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', 'test/fixtures/foundation-worker-main.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: WorkerProcess = { child, pid: child.pid ?? -1, output: () => output, exited };
    this.children.push(worker);
    await Promise.race([
      waitFor(() => output.includes('READY'), 'the worker process to start', 20_000, 25),
      exited.then(({ code, signal }) => {
        throw new Error(`worker process exited (${code ?? signal}) before it was ready:\n${output}`);
      }),
    ]);
    return worker;
  }

  async closeAll(): Promise<void> {
    for (const worker of this.children.splice(0)) {
      if (worker.child.exitCode === null && worker.child.signalCode === null) worker.child.kill('SIGKILL');
      await worker.exited;
    }
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    for (const redis of this.connections.splice(0)) await redis.quit().catch(() => redis.disconnect());
    for (const server of this.servers.splice(0)) await server.stop();
  }
}
