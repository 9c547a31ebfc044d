import type { TaskEvent } from '../../serialization/task-event';
import { decodeEvent, encodeEvent } from '../ports/event-codec';
import type { EventStore } from '../ports/event-store';
import { byTime } from '../ports/by-time';
import type { StoredEvent } from '../ports/stored-event';

/** Events of one process (memory broker): a ring buffer with stream-like ids. */
export class MemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private lastMs = 0;
  private seq = 0;

  constructor(private readonly maxLen: number) {}

  async append(events: TaskEvent[]): Promise<void> {
    for (const event of events) {
      const now = Date.now();
      if (now > this.lastMs) {
        this.lastMs = now;
        this.seq = 0;
      } else {
        this.seq++;
      }
      // The same JSON trip as the Redis stream (and the same cap on arguments).
      const stored = decodeEvent(`${this.lastMs}-${this.seq}`, encodeEvent(event));
      if (stored) this.events.push(stored);
    }
    if (this.events.length > this.maxLen) this.events.splice(0, this.events.length - this.maxLen);
    for (const wake of [...this.waiters]) wake();
  }

  async recent(limit: number): Promise<StoredEvent[]> {
    return this.events.slice(-limit).reverse();
  }

  async forTask(taskId: string): Promise<StoredEvent[]> {
    return byTime(this.events.filter((event) => event.taskId === taskId).reverse());
  }

  async readAfter(afterId: string, count: number, blockMs: number): Promise<StoredEvent[]> {
    const after = () => this.events.filter((event) => compareIds(event.id, afterId) > 0).slice(0, count);
    const now = after();
    if (now.length > 0 || blockMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.waiters.add(wake);
    });
    return after();
  }

  async lastId(): Promise<string> {
    return this.events.at(-1)?.id ?? '0-0';
  }

  async close(): Promise<void> {
    for (const wake of [...this.waiters]) wake();
  }
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(Number);
  const [bm, bs] = b.split('-').map(Number);
  return am - bm || as - bs;
}
