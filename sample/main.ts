import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskWorker } from 'nestjs-tasks';
import { AppModule } from './app.module';
import { sampleConfig } from './config';
import { startupLines } from './links';

/**
 * `npm start`: the API, a worker and the scheduler in one process. Runs on the
 * embedded memory:// broker unless REDIS_URL is set.
 */
async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.get(TaskWorker).start({ queues: sampleConfig.queues, concurrency: sampleConfig.concurrency, beat: true });
  await app.listen(sampleConfig.port);
  const logger = new Logger('Sample');
  for (const line of startupLines(`http://localhost:${sampleConfig.port}`, sampleConfig.broker)) logger.log(line);
}

void bootstrap();
