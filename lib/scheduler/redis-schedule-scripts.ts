import type { Redis } from 'ioredis';
import { readScript } from '../broker/redis/lua-scripts';

/** The scheduler's scripts (lib/broker/redis/scripts/scheduler-*.lua): command name → file and KEYS count. */
export const SCHEDULER_SCRIPTS = {
  ntBeatElect: { file: 'scheduler-elect', keys: 1 },
  ntBeatResign: { file: 'scheduler-resign', keys: 1 },
  ntBeatClaim: { file: 'scheduler-claim', keys: 3 },
  ntBeatSave: { file: 'scheduler-save', keys: 3 },
  ntBeatRemove: { file: 'scheduler-remove', keys: 4 },
  ntBeatSwitch: { file: 'scheduler-switch', keys: 2 },
} as const;

export type SchedulerScriptName = keyof typeof SCHEDULER_SCRIPTS;

/** A connection with the scheduler's scripts defined on it. */
export type SchedulerRedis = Redis & {
  [K in SchedulerScriptName]: (...keysThenArgs: Array<string | number>) => Promise<unknown>;
};

let sources: Array<[SchedulerScriptName, string]> | undefined;

/** Defines the scheduler's scripts on a connection once (ioredis sends EVALSHA, loading on NOSCRIPT). */
export function defineSchedulerScripts(redis: Redis): SchedulerRedis {
  sources ??= (Object.keys(SCHEDULER_SCRIPTS) as SchedulerScriptName[]).map((name) => [name, readScript(SCHEDULER_SCRIPTS[name].file)]);
  for (const [name, lua] of sources) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: SCHEDULER_SCRIPTS[name].keys, lua });
    }
  }
  return redis as SchedulerRedis;
}
