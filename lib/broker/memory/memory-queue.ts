import type { ConcurrencyKey } from '../../serialization/task-message';

/** At most this many ids of one key's line are admitted per release (as queue-helpers.lua). */
const ADMIT_PER_RELEASE = 100;

/** One queue of the memory broker: the same states as the Redis layout, in plain structures. */
export class MemoryQueue {
  /** Ids ready at priority 0, oldest first. */
  readonly ready: string[] = [];
  /** Ids with a priority, kept sorted by score (lower first). */
  readonly prio: Array<{ id: string; score: number }> = [];
  /** Delayed ids by eta. */
  readonly delayed = new Map<string, number>();
  /** Leased ids by lease deadline. */
  readonly active = new Map<string, number>();
  readonly messages = new Map<string, string>();
  readonly lost = new Map<string, number>();
  /** Lease token of each leased id's current delivery (as the `id|token` members of Redis's active set). */
  readonly leases = new Map<string, string>();
  readonly priorities = new Map<string, number>();
  readonly dead: string[] = [];
  /** Concurrency keys (the `ck:*` keys of queue-helpers.lua): each keyed id's key and limit. */
  readonly keyOf = new Map<string, ConcurrencyKey>();
  /** Admitted keyed ids -> key. */
  readonly admitted = new Map<string, string>();
  /** Admitted count by key. */
  readonly running = new Map<string, number>();
  /** Ids waiting for a slot, by key, oldest first. */
  readonly lines = new Map<string, string[]>();
  private seq = 0;

  /** Makes `id` ready, through its key's admission when it has one; false when it waits for a slot. */
  makeReady(id: string, front: boolean): boolean {
    const keyed = this.keyOf.get(id);
    if (!keyed) {
      this.pushReady(id, front);
      return true;
    }
    return this.admit(id, keyed, front);
  }

  private admit(id: string, { key, limit }: ConcurrencyKey, front: boolean): boolean {
    if (!this.admitted.has(id)) {
      const running = this.running.get(key) ?? 0;
      if (running >= limit) {
        let line = this.lines.get(key);
        if (!line) this.lines.set(key, (line = []));
        if (front) line.unshift(id);
        else line.push(id);
        return false;
      }
      this.running.set(key, running + 1);
      this.admitted.set(id, key);
    }
    this.pushReady(id, front);
    return true;
  }

  /** Frees the slot `id` holds and admits the next ids of its key; returns how many became ready. */
  releaseSlot(id: string): number {
    const key = this.admitted.get(id);
    if (key === undefined) return 0;
    this.admitted.delete(id);
    const running = (this.running.get(key) ?? 0) - 1;
    if (running > 0) this.running.set(key, running);
    else this.running.delete(key);
    const line = this.lines.get(key) ?? [];
    let admitted = 0;
    for (let taken = 0; taken < ADMIT_PER_RELEASE && line.length > 0; taken++) {
      const next = line[0];
      const keyed = this.keyOf.get(next);
      if (keyed && this.messages.has(next)) {
        if ((this.running.get(key) ?? 0) >= keyed.limit) break;
        line.shift();
        this.admit(next, keyed, false);
        admitted++;
      } else {
        line.shift();
      }
    }
    if (line.length === 0) this.lines.delete(key);
    return admitted;
  }

  /** Ids waiting in all lines. */
  get keyWaiting(): number {
    let waiting = 0;
    for (const line of this.lines.values()) waiting += line.length;
    return waiting;
  }

  pushReady(id: string, front: boolean): void {
    const priority = this.priorities.get(id) ?? 0;
    if (priority > 0) {
      const band = (10 - priority) * 2 ** 43;
      const score = front ? band - ++this.seq : band + ++this.seq;
      const at = this.prio.findIndex((entry) => entry.score > score);
      this.prio.splice(at === -1 ? this.prio.length : at, 0, { id, score });
    } else if (front) {
      this.ready.unshift(id);
    } else {
      this.ready.push(id);
    }
  }

  /** True when `lease` is the token of the id's current lease (it did not run out, and the id was not settled, since). */
  isCurrentLease(id: string, lease: string): boolean {
    return this.leases.get(id) === lease;
  }

  /** Ends the lease of `id`: its token is stale from now on. */
  unlease(id: string): void {
    this.active.delete(id);
    this.leases.delete(id);
  }

  /** Drops everything kept of `id`, freeing its key's slot; returns how many ids of its key became ready. */
  forget(id: string): number {
    this.messages.delete(id);
    this.lost.delete(id);
    this.priorities.delete(id);
    if (!this.keyOf.has(id)) return 0;
    const admitted = this.releaseSlot(id);
    this.keyOf.delete(id);
    return admitted;
  }

  earliest(map: Map<string, number>): number | null {
    let min: number | null = null;
    for (const value of map.values()) if (min === null || value < min) min = value;
    return min;
  }

  get hasReady(): boolean {
    return this.ready.length > 0 || this.prio.length > 0;
  }
}
