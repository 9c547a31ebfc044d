import type { RedisClient } from './redis-client';
import type { PendingFire, ScheduleState } from '../../config/schedules/schedule-definition';
import { decodePending, decodeState, encodeState } from '../ports/schedule-state-codec';
import type { BeatKeys, RedisKeys } from './redis-keys';
import type { ScriptRunner } from './script-runner';
import type { ClaimResult, ScheduleStore, StoredDefinitions, StoredState } from '../ports/schedule-store';

/** Schedules, their state and the leader lease in Redis, shared by every instance of the namespace. */
export class RedisScheduleStore implements ScheduleStore {
  readonly description = 'state in Redis';
  private readonly keys: BeatKeys;

  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: ScriptRunner,
    keys: RedisKeys,
  ) {
    this.keys = keys.beat;
  }

  async elect(token: string, leaseMs: number): Promise<boolean> {
    return (await this.scripts.run('ntBeatElect', [this.keys.leader], [token, leaseMs])) === 1;
  }

  async resign(token: string): Promise<void> {
    await this.scripts.run('ntBeatResign', [this.keys.leader], [token]);
  }

  async version(): Promise<number> {
    return Number((await this.redis.get(this.keys.version)) ?? 0);
  }

  async definitions(): Promise<StoredDefinitions> {
    const [entries, switches] = await Promise.all([this.redis.hgetall(this.keys.definitions), this.redis.hgetall(this.keys.switches)]);
    return {
      entries: new Map(Object.entries(entries)),
      switches: new Map(Object.entries(switches).map(([name, value]) => [name, value === '1'])),
    };
  }

  async save(name: string, entry: string): Promise<void> {
    const { definitions, switches, version } = this.keys;
    await this.scripts.run('ntBeatSave', [definitions, switches, version], [name, entry]);
  }

  async remove(name: string): Promise<boolean> {
    const { definitions, switches, states, version } = this.keys;
    return (await this.scripts.run('ntBeatRemove', [definitions, switches, states, version], [name])) === 1;
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    await this.scripts.run('ntBeatSwitch', [this.keys.switches, this.keys.version], [name, enabled ? '1' : '0']);
  }

  async states(): Promise<Map<string, StoredState>> {
    const all = await this.redis.hgetall(this.keys.states);
    return new Map(Object.entries(all).map(([name, raw]) => [name, { raw, value: decodeState(raw) }]));
  }

  async claim(token: string, name: string, expected: string | null, state: ScheduleState, fires: PendingFire[]): Promise<ClaimResult> {
    const args: string[] = [token, name, expected ?? '', encodeState(state)];
    for (const fire of fires) args.push(fire.id, JSON.stringify(fire));
    const { leader, states, pending } = this.keys;
    const reply = Number(await this.scripts.run('ntBeatClaim', [leader, states, pending], args));
    return reply === 1 ? 'claimed' : reply === 0 ? 'not-leader' : 'stale';
  }

  async pending(): Promise<PendingFire[]> {
    const all = await this.redis.hgetall(this.keys.pending);
    const fires: PendingFire[] = [];
    const unreadable: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      const fire = decodePending(raw);
      if (fire) fires.push(fire);
      else unreadable.push(id);
    }
    await this.confirm(unreadable);
    return fires.sort((a, b) => a.tick - b.tick);
  }

  async confirm(ids: string[]): Promise<void> {
    if (ids.length > 0) await this.redis.hdel(this.keys.pending, ...ids);
  }
}
