import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { TaskScheduler } from '../../../lib';
import { TestResources } from '../../support/test-resources';
import { waitFor } from '../../support/wait';

/** Apps and connections of one test, all closed afterwards so jest exits cleanly even when a test fails. */
export class Resources extends TestResources {
  /** Closes `app` with the others at the end. */
  app<T extends INestApplicationContext>(app: T): T {
    return this.track(app);
  }

  /** Resolves once queue 'default' holds nothing: every task sent to it so far has run and been acknowledged. */
  async queueDrained(app: INestApplicationContext): Promise<void> {
    const broker = this.broker(app);
    await waitFor(async () => {
      const { ready, delayed, active } = await broker.queueSizes('default');
      return ready + delayed + active === 0;
    }, 'queue default to drain');
  }
}

/** The stored state of a schedule (key layout of lib/scheduler/stores/schedule-keys.ts), or null. */
export async function storedState(redis: Redis, prefix: string, name: string): Promise<{ next: number; last: number | null } | null> {
  const raw = await redis.hget(`${prefix}:{beat}:state`, name);
  return raw ? (JSON.parse(raw) as { next: number; last: number | null }) : null;
}

let barriers = 0;

/**
 * Resolves once the leading scheduler has run a whole step that began after this call (so
 * it has seen every schedule change made before it, and anything that step or an earlier
 * one sent is in the queue). Two throwaway runtime schedules are added one after the other
 * through `admin` (any instance); the leader stores each one's state in the first step that
 * loads it. The step that stored the first loaded the schedules before the second existed,
 * and one leader's steps run one after another: it had ended when the second was stored.
 * Both are removed again. Needs a leader that keeps its lease meanwhile.
 */
export async function leaderStepped(admin: TaskScheduler, redis: Redis, prefix: string): Promise<void> {
  const names = [`barrier-${++barriers}a`, `barrier-${barriers}b`];
  for (const name of names) {
    await admin.add({ name, task: 'probe.record', args: ['barrier'], every: 24 * 3_600_000 });
    await waitFor(async () => (await storedState(redis, prefix, name)) !== null, `the leader to pick up schedule ${name}`, 10_000, 10);
  }
  for (const name of names) await admin.remove(name);
}
