import type { PendingFire, ScheduleState } from '../../config/schedules/schedule-definition';
import { decodeState, encodeState } from '../ports/schedule-state-codec';
import type { ClaimResult, ScheduleStore, StoredDefinitions, StoredState } from '../ports/schedule-store';

/** The store of one process (memory broker, eager mode): the same semantics as Redis, in maps. */
export class MemoryScheduleStore implements ScheduleStore {
  readonly description = 'state in memory, one process';
  private leader: { token: string; until: number } | null = null;
  private revision = 0;
  private readonly entries = new Map<string, string>();
  private readonly switches = new Map<string, boolean>();
  private readonly stateByName = new Map<string, string>();
  private readonly pendingById = new Map<string, PendingFire>();

  async elect(token: string, leaseMs: number): Promise<boolean> {
    const now = Date.now();
    if (this.leader && this.leader.token !== token && this.leader.until > now) return false;
    this.leader = { token, until: now + leaseMs };
    return true;
  }

  async resign(token: string): Promise<void> {
    if (this.leader?.token === token) this.leader = null;
  }

  async version(): Promise<number> {
    return this.revision;
  }

  async definitions(): Promise<StoredDefinitions> {
    return { entries: new Map(this.entries), switches: new Map(this.switches) };
  }

  async save(name: string, entry: string): Promise<void> {
    this.entries.set(name, entry);
    this.switches.delete(name);
    this.revision++;
  }

  async remove(name: string): Promise<boolean> {
    if (!this.entries.delete(name)) return false;
    this.switches.delete(name);
    this.stateByName.delete(name);
    this.revision++;
    return true;
  }

  async setEnabled(name: string, enabled: boolean): Promise<void> {
    this.switches.set(name, enabled);
    this.revision++;
  }

  async states(): Promise<Map<string, StoredState>> {
    return new Map([...this.stateByName].map(([name, raw]) => [name, { raw, value: decodeState(raw) }]));
  }

  async claim(token: string, name: string, expected: string | null, state: ScheduleState, fires: PendingFire[]): Promise<ClaimResult> {
    if (!this.leader || this.leader.token !== token || this.leader.until <= Date.now()) return 'not-leader';
    if ((this.stateByName.get(name) ?? null) !== expected) return 'stale';
    this.stateByName.set(name, encodeState(state));
    for (const fire of fires) this.pendingById.set(fire.id, JSON.parse(JSON.stringify(fire)) as PendingFire);
    return 'claimed';
  }

  async pending(): Promise<PendingFire[]> {
    return [...this.pendingById.values()].sort((a, b) => a.tick - b.tick);
  }

  async confirm(ids: string[]): Promise<void> {
    for (const id of ids) this.pendingById.delete(id);
  }
}
