import type { MinuteFields, MinuteStatsStore, MinuteUpdate } from '../ports/minute-stats';
import type { RedisCommands } from './redis-commands';

/**
 * A hash per series and minute, each update one run of stats-record.lua (counters and
 * highest gauges); the updates of one call travel in one corked write.
 */
export class RedisMinuteStats implements MinuteStatsStore {
  constructor(private readonly commands: RedisCommands) {}

  async record(updates: readonly MinuteUpdate[], ttlMs: number): Promise<void> {
    await Promise.all(
      updates.map(({ series, minute, add = {}, max = {} }) => {
        const counters = Object.entries(add);
        const args: Array<string | number> = [ttlMs, counters.length];
        for (const [field, value] of counters) args.push(field, Math.round(value));
        for (const [field, value] of Object.entries(max)) args.push(field, value);
        return this.commands.call('ntStatsRecord', [this.commands.keys.minuteStats(series, minute)], args);
      }),
    );
  }

  async read(series: string, from: number, to: number): Promise<MinuteFields[]> {
    if (to < from) return [];
    const minutes: number[] = [];
    for (let minute = from; minute <= to; minute++) minutes.push(minute);
    const pipeline = this.commands.redis.pipeline();
    for (const minute of minutes) pipeline.hgetall(this.commands.keys.minuteStats(series, minute));
    const results = (await pipeline.exec()) ?? [];
    const out: MinuteFields[] = [];
    results.forEach(([error, hash], i) => {
      if (error) throw error;
      const entries = Object.entries(hash as Record<string, string>);
      if (entries.length > 0) out.push({ minute: minutes[i], fields: Object.fromEntries(entries.map(([field, value]) => [field, Number(value)])) });
    });
    return out;
  }
}
