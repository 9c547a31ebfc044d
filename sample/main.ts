import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskWorker } from 'nestjs-tasks';
import { AppModule } from './app.module';
import { sampleConfig } from './config';

/**
 * `npm start`: the API, a worker and the scheduler in one process. Runs on the
 * embedded memory:// broker unless REDIS_URL is set.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.get(TaskWorker).start({ queues: sampleConfig.queues, concurrency: sampleConfig.concurrency, beat: true });
  await app.listen(sampleConfig.port);
  new Logger('Sample').log(
    `Listening on http://localhost:${sampleConfig.port} (broker ${sampleConfig.broker}). Try: curl -X POST localhost:${sampleConfig.port}/demo`,
  );
}

void bootstrap();
