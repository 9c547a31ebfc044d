import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskWorker } from 'nestjs-tasks';
import { sampleConfig } from './config';
import { TasksModule } from './tasks.module';

/**
 * Worker only, like `celery worker -Q emails -c 2`:
 *   REDIS_URL=redis://localhost:6379 QUEUES=emails CONCURRENCY=2 node dist/sample/worker.main.js
 */
async function bootstrap(): Promise<void> {
  if (!process.env.REDIS_URL) {
    new Logger('Sample').error('worker.main needs REDIS_URL (npm start runs everything in one process on memory://)');
    process.exit(1);
  }
  const app = await NestFactory.createApplicationContext(TasksModule);
  app.enableShutdownHooks(); // SIGTERM: stop fetching, finish running tasks, exit
  await app.get(TaskWorker).start({ queues: sampleConfig.queues, concurrency: sampleConfig.concurrency });
}

void bootstrap();
