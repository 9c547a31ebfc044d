import type { Redis } from 'ioredis';
import { readScript } from '../../broker/redis/lua-scripts';

const QUEUE_KEY_COUNT = 10;

/** The monitoring scripts (lib/broker/redis/scripts), by command name: file and number of KEYS. */
const MONITORING_SCRIPTS = {
  ntAdminPurge: { file: 'admin-purge', keys: QUEUE_KEY_COUNT },
  ntAdminRequeueDead: { file: 'admin-requeue-dead', keys: QUEUE_KEY_COUNT },
  ntEventsAppend: { file: 'events-append', keys: 1 },
} as const;

export type MonitoringScriptName = keyof typeof MONITORING_SCRIPTS;

let loaded: Array<[MonitoringScriptName, string]> | undefined;

/** Defines the monitoring scripts on a connection once (EVALSHA, loaded on NOSCRIPT). */
export function defineMonitoringScripts(redis: Redis): void {
  loaded ??= (Object.keys(MONITORING_SCRIPTS) as MonitoringScriptName[]).map((name) => [name, readScript(MONITORING_SCRIPTS[name].file)]);
  for (const [name, lua] of loaded) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: MONITORING_SCRIPTS[name].keys, lua });
    }
  }
}

/** Runs a monitoring script: its KEYS, then its ARGV. */
export function runScript(redis: Redis, name: MonitoringScriptName, keys: readonly string[], args: Array<string | number>): Promise<unknown> {
  defineMonitoringScripts(redis);
  const command = (redis as unknown as Record<MonitoringScriptName, (...a: Array<string | number>) => Promise<unknown>>)[name];
  return command.call(redis, ...keys, ...args);
}
