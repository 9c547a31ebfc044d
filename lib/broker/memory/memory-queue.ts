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
  private seq = 0;

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

  forget(id: string): void {
    this.messages.delete(id);
    this.lost.delete(id);
    this.priorities.delete(id);
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
