import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskScheduler } from 'nestjs-tasks';
import { TasksModule } from './tasks.module';

/**
 * Scheduler only, like `celery beat`. Run as many as you like: one leader fires each tick.
 *   REDIS_URL=redis://localhost:6379 node dist/sample/scheduler.main.js
 */
async function bootstrap(): Promise<void> {
  if (!process.env.REDIS_URL) {
    new Logger('Sample').error('scheduler.main needs REDIS_URL (npm start runs the scheduler in-process on memory://)');
    process.exit(1);
  }
  const app = await NestFactory.createApplicationContext(TasksModule);
  app.enableShutdownHooks();
  await app.get(TaskScheduler).start();
}

void bootstrap();
