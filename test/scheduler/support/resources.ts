import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TestResources } from '../../support/test-resources';

/** Apps and connections of one test, all closed afterwards so jest exits cleanly even when a test fails. */
export class Resources extends TestResources {
  /** Closes `app` with the others at the end. */
  app<T extends INestApplicationContext>(app: T): T {
    return this.track(app);
  }
}

/** The stored state of a schedule (key layout of lib/scheduler/stores/schedule-keys.ts), or null. */
export async function storedState(redis: Redis, prefix: string, name: string): Promise<{ next: number; last: number | null } | null> {
  const raw = await redis.hget(`${prefix}:beat:state`, name);
  return raw ? (JSON.parse(raw) as { next: number; last: number | null }) : null;
}
