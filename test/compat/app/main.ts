import 'reflect-metadata';
// Before Nest on purpose: in the ESM apps the library's CommonJS build is then the
// first to load Nest (through require(esm) under Nest 12).
import { TaskClient, TaskWorker } from 'nestjs-tasks';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { GreetingTasks } from './greeting.tasks.js';
import { runtimeReport } from './runtime-report.js';

/** Enqueues one task, runs it in this context's worker, prints its result, exits 0. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    await app.get(TaskWorker).start({ concurrency: 2 });
    const client = app.get(TaskClient);
    const result = await client.delay(GreetingTasks, 'greet', 'Ada', 2);
    const greeting = await result.get({ timeout: 15_000 });
    const report = { id: result.id, state: await result.state(), greeting, ...runtimeReport() };
    console.log(`COMPAT ${JSON.stringify(report)}`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
