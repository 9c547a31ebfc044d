import { Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import IORedis, { type Redis } from 'ioredis';
import { TaskModule, type TaskModuleOptions } from '../../../lib';
import { OpsTasks } from '../fixtures/ops.tasks';

/** Polls `check` until it returns something truthy; fails with `what` after `timeout` ms. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeout = 10_000, every = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeout} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** Apps and connections a suite opens, closed together in afterAll. */
export class OpsHarness {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];

  async app(options: TaskModuleOptions, providers: Type[] = [OpsTasks], imports: DynamicModule[] = []): Promise<INestApplicationContext> {
    @Module({ imports: [TaskModule.forRoot({ heartbeatInterval: 200, ...options }), ...imports], providers })
    class OpsTestModule {}
    const app = await NestFactory.createApplicationContext(OpsTestModule, { logger: process.env.TEST_LOGS ? undefined : false, abortOnError: false });
    this.apps.push(app);
    return app;
  }

  redis(url: string): Redis {
    const redis = new IORedis(url);
    this.connections.push(redis);
    return redis;
  }

  track<T extends { close(): Promise<void> }>(closable: T): T {
    this.apps.push(closable as unknown as INestApplicationContext);
    return closable;
  }

  async closeAll(): Promise<void> {
    for (const app of this.apps.splice(0).reverse()) await app.close().catch(() => undefined);
    for (const redis of this.connections.splice(0)) await redis.quit().catch(() => redis.disconnect());
  }
}
