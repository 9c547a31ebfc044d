import { Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis from 'ioredis';
import { TaskClient, TaskModule, TaskWorker } from '../../lib';
import { MathTasks, Multiplier } from '../fixtures/math.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { storedCount, leasedCount } from '../support/stored-messages';

/** Keeps what the app logs, to read the worker's warnings. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(`LOG ${String(message)}`);
  }
  warn(message: unknown): void {
    this.lines.push(`WARN ${String(message)}`);
  }
  error(message: unknown): void {
    this.lines.push(`ERROR ${String(message)}`);
  }
}

describe('a write Redis refuses', () => {
  it('is retried alone, given up after a few refusals, and holds back nothing else', async () => {
    const prefix = uniquePrefix('refused');
    const redis = new IORedis(testRedisUrl());
    // A list where the result record belongs: the STARTED write (store unless ready) reads it and is refused.
    await redis.rpush(`${prefix}:result:refused-task`, 'not a result');
    const logger = new CapturingLogger();
    @Module({ imports: [TaskModule.forRoot({ broker: testRedisUrl(), prefix })], providers: [MathTasks, Multiplier] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger, abortOnError: false });
    try {
      await app.get(TaskWorker).start({ concurrency: 4 });
      const client = app.get(TaskClient);
      const slow = await client.applyAsync(MathTasks, 'sleep', [3500], { taskId: 'refused-task' });
      const others = await Promise.all([1, 2, 3].map((n) => client.delay(MathTasks, 'add', n, n)));
      // Everything else is settled while the refused write is still being retried.
      for (const [i, result] of others.entries()) await expect(result.get({ timeout: 5000 })).resolves.toBe(2 * (i + 1));
      // The final SUCCESS replaces the bad key; the message is acknowledged.
      await expect(slow.get({ timeout: 10_000 })).resolves.toBe(3500);
      expect(logger.lines.some((line) => /ERROR Giving up the result of task refused-task after 5 refusals/.test(line))).toBe(true);
      // Nothing is retried any more: a write still held back would go out again with the next
      // tasks' writes and be refused again, with a warning. Two tasks, one after the other, so
      // that the first one's writes have been answered before the second one runs.
      const warnings = () => logger.lines.filter((line) => line.startsWith('WARN Could not settle')).length;
      const before = warnings();
      for (const n of [10, 20]) await expect((await client.delay(MathTasks, 'add', n, n)).get({ timeout: 5000 })).resolves.toBe(2 * n);
      expect(warnings()).toBe(before);
      expect(await leasedCount(redis, prefix, 'default')).toBe(0);
      expect(await storedCount(redis, prefix, 'default')).toBe(0);
    } finally {
      await app.close();
      await redis.quit();
    }
  });
});
