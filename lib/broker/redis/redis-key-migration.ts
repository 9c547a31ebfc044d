import type { Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys';

/**
 * Version 0.1 kept the scheduler's keys under `<prefix>:beat:` and the rate limits under
 * `<prefix>:rate:` / `<prefix>:ratelimits`, without hash tags. They are renamed once to
 * the tagged names (RENAMENX: a key already written under the new name wins), so runtime
 * schedules, their state and runtime rate limits survive the upgrade. One node only:
 * there was no Cluster deployment to migrate.
 */
export async function migrateKeyLayout(redis: Redis, keys: RedisKeys): Promise<void> {
  const { prefix, beat } = keys;
  const oldBeat = `${prefix}:beat`;
  const renames: Array<[string, string]> = [
    [`${oldBeat}:leader`, beat.leader],
    [`${oldBeat}:version`, beat.version],
    [`${oldBeat}:schedules`, beat.definitions],
    [`${oldBeat}:enabled`, beat.switches],
    [`${oldBeat}:state`, beat.states],
    [`${oldBeat}:pending`, beat.pending],
  ];
  const oldOverrides = `${prefix}:ratelimits`;
  const overridden = await redis.hkeys(oldOverrides).catch(() => [] as string[]);
  renames.push([oldOverrides, keys.rateLimits]);
  for (const task of overridden) renames.push([`${prefix}:rate:${task}`, keys.rate(task)]);
  await Promise.all(renames.map(([from, to]) => redis.renamenx(from, to).catch(() => 0)));
}
