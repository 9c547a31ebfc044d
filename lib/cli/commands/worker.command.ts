import { Logger, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ModuleLoadError } from '../../errors';
import { WorkerMonitor } from '../../monitoring/workers/worker-monitor';
import { isPoolChild } from '../../worker/pool/pool-protocol';
import { TaskWorker } from '../../worker/task-worker';
import type { QueueSpec, WorkerStartOptions } from '../../worker/worker-options';
import { loadModule } from '../load-module';
import { logLevelOption, logLevels } from '../log-level';

interface WorkerCommandOptions {
  module: string;
  queues?: QueueSpec[];
  concurrency?: number;
  prefetch?: number;
  pool?: 'inline' | 'process';
  beat?: boolean;
  shutdownGrace?: number;
  maxTasksPerChild?: number;
  maxMemoryPerChild?: number;
  loglevel: string;
}

/** `-Q emails,reports:3`: queue names, each with an optional weight. */
export function parseQueues(value: string): QueueSpec[] {
  const specs = value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [name, weight] = part.split(/:(?=\d+$)/);
      return weight === undefined ? name : { name, weight: Number(weight) };
    });
  if (specs.length === 0) throw new InvalidArgumentError('give at least one queue, e.g. -Q emails,reports');
  return specs;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`'${value}' is not a whole number`);
  return n;
}

/** Creates the user's application context; a module without TaskModule is a clear error. */
export async function createUserApp(spec: string, loglevel: string): Promise<INestApplicationContext> {
  const module = await loadModule(spec);
  return NestFactory.createApplicationContext(module, { logger: logLevels(loglevel), abortOnError: false });
}

export function getOrExplain<T>(app: INestApplicationContext, token: abstract new (...args: never[]) => T, spec: string): T {
  try {
    return app.get(token as never, { strict: false }) as T;
  } catch {
    throw new ModuleLoadError(spec, 'it does not import TaskModule.forRoot(...) (or forRootAsync)');
  }
}

export function workerCommand(): Command {
  return new Command('worker')
    .description('consume queues and run their tasks (like `celery worker`)')
    .requiredOption('-m, --module <path[#Export]>', 'the app module: compiled JS, or TS through a loader (default export AppModule)')
    .option('-Q, --queues <list>', 'queues to consume, comma-separated; name:weight to weight one', parseQueues)
    .option('-c, --concurrency <n>', 'tasks run at once (default 10)', parseCount)
    .option('--prefetch <n>', 'messages held at once (>= concurrency; default: fetches of 8x concurrency, up to 16x held, while tasks run short)', parseCount)
    .addOption(new Option('--pool <kind>', 'where tasks run').choices(['inline', 'process']))
    .option('-B, --beat', 'also run the periodic scheduler in this process')
    .option('--shutdown-grace <ms>', 'on stop, how long running tasks may take, ms', parseCount)
    .option('--max-tasks-per-child <n>', 'process pool: replace a child after this many tasks', parseCount)
    .option('--max-memory-per-child <bytes>', 'process pool: replace a child whose memory passes this many bytes', parseCount)
    .addOption(logLevelOption())
    .action(async (options: WorkerCommandOptions) => {
      const app = await createUserApp(options.module, isPoolChild() ? 'warn' : options.loglevel);
      const worker = getOrExplain(app, TaskWorker, options.module);
      const start: WorkerStartOptions = {};
      if (options.queues) start.queues = options.queues;
      if (options.concurrency !== undefined) start.concurrency = options.concurrency;
      if (options.prefetch !== undefined) start.prefetch = options.prefetch;
      if (options.pool) start.pool = options.pool;
      if (options.beat) start.beat = true;
      if (options.shutdownGrace !== undefined) start.shutdownGrace = options.shutdownGrace;
      if (options.maxTasksPerChild !== undefined) start.maxTasksPerChild = options.maxTasksPerChild;
      if (options.maxMemoryPerChild !== undefined) start.maxMemoryPerChild = options.maxMemoryPerChild;
      if (isPoolChild()) {
        // A process-pool child: serve the parent until it says stop.
        await worker.start(start);
        return;
      }
      app.enableShutdownHooks();
      app.get(WorkerMonitor, { strict: false }).setShutdownHandler(async () => {
        await app.close();
        process.exit(0);
      });
      try {
        await worker.start(start);
      } catch (error) {
        await app.close().catch(() => undefined);
        throw error;
      }
      new Logger('nest-tasks').log(`Worker ${worker.id} is ready; SIGTERM or Ctrl+C stops it after its running tasks`);
    });
}
