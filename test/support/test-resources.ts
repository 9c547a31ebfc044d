import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Module, type DynamicModule, type INestApplicationContext, type Provider, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { TASK_BROKER, TaskModule, type Broker, type TaskModuleOptions } from '../../lib/internal';
import { startRedisServer, type RedisServerHandle } from './redis-server';
import { waitFor } from './wait';

const ROOT = join(__dirname, '..', '..');

/** A worker running in a process of its own (test/support/worker-process-main.ts). */
export interface WorkerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly output: () => string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly isRunning: () => boolean;
}

/**
 * Opens app contexts, Redis connections, servers and worker processes for one suite
 * and closes all of them afterwards, so jest exits cleanly even when a test fails.
 */
export class TestResources {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];
  private readonly servers: RedisServerHandle[] = [];
  private readonly children: WorkerProcess[] = [];

  /** An app context of a root module made of `imports` and `providers`. */
  async moduleApp(imports: Array<Type | DynamicModule>, providers: Provider[] = []): Promise<INestApplicationContext> {
    @Module({ imports, providers })
    class RootModule {}
    const app = await NestFactory.createApplicationContext(RootModule, {
      logger: process.env.TEST_LOGS ? undefined : false,
      abortOnError: false,
    });
    return this.track(app);
  }

  /** An app context with TaskModule.forRoot(options) and the given providers and modules. */
  taskApp(options: TaskModuleOptions, providers: Provider[] = [], imports: Array<Type | DynamicModule> = []): Promise<INestApplicationContext> {
    return this.moduleApp([TaskModule.forRoot(options), ...imports], providers);
  }

  /** Closes `app` with the others at the end. */
  track<T extends INestApplicationContext>(app: T): T {
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

  /** A redis-server of the suite's own (commandstats, SCAN, restarts with appendonly). */
  async server(options: { appendonly?: boolean } = {}): Promise<RedisServerHandle> {
    const server = await startRedisServer(options);
    this.servers.push(server);
    return server;
  }

  /** Starts a worker fixture (`test/fixtures/<name>.ts`) in a new node process and waits for READY. */
  async spawnWorker(fixture: string, env: Record<string, string | number>): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', './test/support/register-ts.js', `test/fixtures/${fixture}.ts`], {
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

  /** SIGKILL to the worker's whole process group (pool children included). */
  async kill(worker: WorkerProcess): Promise<void> {
    try {
      process.kill(-worker.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await worker.exited;
    worker.child.stdin?.destroy();
  }

  async closeAll(): Promise<void> {
    for (const worker of this.children.splice(0)) await this.kill(worker);
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    for (const redis of this.connections.splice(0)) await redis.quit().catch(() => redis.disconnect());
    for (const server of this.servers.splice(0)) await server.stop();
  }
}
