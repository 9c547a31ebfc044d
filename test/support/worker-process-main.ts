/**
 * The body of every test worker process (test/fixtures/*-worker-main.ts), as production
 * runs a worker: its own OS process, `node -r ./test/support/register-ts.js <fixture>`.
 * Environment: REDIS_URL, TASK_PREFIX, QUEUES (comma-separated), CONCURRENCY (4), POOL
 * ('inline' | 'process'), MAX_TASKS_PER_CHILD, MAX_MEMORY_PER_CHILD, VISIBILITY_TIMEOUT,
 * MAX_DELIVERIES, SHUTDOWN_GRACE, CELERY_QUEUES (comma-separated queues with protocol 'celery'),
 * CELERY_VT (their visibility timeout, ms), FAIL_BOOT_IF (a path: a pool child exits at boot while it exists). Prints `READY <pid>` once it consumes; exits on SIGTERM
 * after draining. Process-pool children run the same fixture and serve their parent.
 */
import { existsSync } from 'node:fs';
import { Module, type LogLevel, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskModule, TaskWorker } from '../../lib';

const number = (value: string | undefined): number | undefined => (value ? Number(value) : undefined);

export function runWorkerProcess(providers: Provider[], logger: LogLevel[] = ['error', 'warn']): void {
  // A pool child that cannot boot (a broken deploy, say), on demand.
  if (process.env.NESTJS_TASKS_POOL_CHILD === '1' && process.env.FAIL_BOOT_IF && existsSync(process.env.FAIL_BOOT_IF)) process.exit(3);
  // Started by a test: exit with it even if it dies without cleaning up (its end of the stdin pipe closes).
  if (process.env.EXIT_WITH_STDIN === '1') {
    process.stdin.on('end', () => process.exit(1));
    process.stdin.on('error', () => process.exit(1));
    process.stdin.resume();
    (process.stdin as { unref?: () => void }).unref?.();
  }
  main(providers, logger).catch((error: Error) => {
    process.stderr.write(`worker failed to start: ${error.stack}\n`);
    process.exit(1);
  });
}

async function main(providers: Provider[], logger: LogLevel[]): Promise<void> {
  const env = process.env;
  @Module({
    imports: [
      TaskModule.forRoot({
        broker: env.REDIS_URL,
        prefix: env.TASK_PREFIX,
        visibilityTimeout: number(env.VISIBILITY_TIMEOUT),
        maxDeliveries: number(env.MAX_DELIVERIES),
        ...(env.CELERY_QUEUES
          ? {
              queues: Object.fromEntries(env.CELERY_QUEUES.split(',').map((queue) => [queue, { protocol: 'celery' as const }])),
              celery: { visibilityTimeout: number(env.CELERY_VT) },
            }
          : {}),
      }),
    ],
    providers,
  })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, { logger });
  app.enableShutdownHooks();
  await app.get(TaskWorker).start({
    queues: env.QUEUES ? env.QUEUES.split(',') : undefined,
    concurrency: number(env.CONCURRENCY) ?? 4,
    pool: env.POOL === 'process' ? 'process' : 'inline',
    maxTasksPerChild: number(env.MAX_TASKS_PER_CHILD),
    maxMemoryPerChild: number(env.MAX_MEMORY_PER_CHILD),
    shutdownGrace: number(env.SHUTDOWN_GRACE),
  });
  if (env.NESTJS_TASKS_POOL_CHILD !== '1') process.stdout.write(`READY ${process.pid}\n`);
}
