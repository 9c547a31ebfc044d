/**
 * A scheduler in its own OS process, as `nest-tasks beat` runs one:
 *   node -r ./test/support/register-ts.js test/scheduler/support/beat-process.ts
 * Reads REDIS_URL, TASK_PREFIX and BEAT_SCHEDULE (JSON); prints `LEADER <pid>` once it
 * leads (and `FOLLOWER <pid>` while it does not).
 */
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskModule, TaskScheduler, type ScheduleEntry } from '../../../lib';

async function main(): Promise<void> {
  const env = process.env;
  @Module({
    imports: [
      TaskModule.forRoot({
        broker: env.REDIS_URL,
        prefix: env.TASK_PREFIX,
        beat: {
          leaderLease: Number(env.LEADER_LEASE ?? 1500),
          checkInterval: Number(env.CHECK_INTERVAL ?? 100),
          schedule: JSON.parse(env.BEAT_SCHEDULE ?? '[]') as ScheduleEntry[],
        },
      }),
    ],
  })
  class BeatModule {}

  const app = await NestFactory.createApplicationContext(BeatModule, { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  const scheduler = app.get(TaskScheduler);
  await scheduler.start();
  let reported: boolean | undefined;
  setInterval(() => {
    if (scheduler.isLeader === reported) return;
    reported = scheduler.isLeader;
    process.stdout.write(`${reported ? 'LEADER' : 'FOLLOWER'} ${process.pid}\n`);
  }, 20);
}

main().catch((error: Error) => {
  process.stderr.write(`beat process failed to start: ${error.stack}\n`);
  process.exit(1);
});
