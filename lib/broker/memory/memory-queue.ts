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

  isCurrentDelivery(id: string, delivery: number): boolean {
    return (this.lost.get(id) ?? 0) + 1 === delivery;
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
