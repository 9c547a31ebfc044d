import type { INestApplicationContext } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';

/** Apps and connections of one test, all closed afterwards so jest exits cleanly even when a test fails. */
export class Resources {
  private readonly apps: INestApplicationContext[] = [];
  private readonly connections: Redis[] = [];

  app<T extends INestApplicationContext>(app: T): T {
    this.apps.push(app);
    return app;
  }

  async close(app: INestApplicationContext): Promise<void> {
    const at = this.apps.indexOf(app);
    if (at >= 0) this.apps.splice(at, 1);
    await app.close();
  }

  redis(url: string): Redis {
    const redis = new IORedis(url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    this.connections.push(redis);
    return redis;
  }

  async closeAll(): Promise<void> {
    await Promise.allSettled(this.apps.splice(0).map((app) => app.close()));
    await Promise.allSettled(this.connections.splice(0).map((redis) => redis.quit()));
  }
}

/** The stored state of a schedule (key layout of lib/scheduler/stores/schedule-keys.ts), or null. */
export async function storedState(redis: Redis, prefix: string, name: string): Promise<{ next: number; last: number | null } | null> {
  const raw = await redis.hget(`${prefix}:beat:state`, name);
  return raw ? (JSON.parse(raw) as { next: number; last: number | null }) : null;
}
