import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { sampleConfig } from './config';
import { startupLines } from './links';

/** API only: enqueues; workers in other processes run the tasks. Needs REDIS_URL. */
async function bootstrap(): Promise<void> {
  if (!process.env.REDIS_URL) {
    new Logger('Sample').error('api.main needs REDIS_URL: on memory:// no other process could run its tasks (use npm start)');
    process.exit(1);
  }
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  await app.listen(sampleConfig.port);
  const logger = new Logger('Sample');
  for (const line of startupLines(`http://localhost:${sampleConfig.port}`, sampleConfig.broker)) logger.log(line);
}

void bootstrap();
