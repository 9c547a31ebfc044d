import type { MinuteFields, MinuteStatsStore, MinuteUpdate } from '../ports/minute-stats';

/** Per-minute aggregates of one process (memory broker), each dropped `ttl` after it was last written. */
export class MemoryMinuteStats implements MinuteStatsStore {
  private readonly entries = new Map<string, { fields: Record<string, number>; expiresAt: number }>();

  async record(updates: readonly MinuteUpdate[], ttlMs: number): Promise<void> {
    const now = Date.now();
    this.prune(now);
    for (const { series, minute, add, max } of updates) {
      const key = `${series}\n${minute}`;
      const entry = this.entries.get(key) ?? { fields: {}, expiresAt: 0 };
      for (const [field, value] of Object.entries(add ?? {})) entry.fields[field] = (entry.fields[field] ?? 0) + Math.round(value);
      for (const [field, value] of Object.entries(max ?? {})) if (!(entry.fields[field] >= value)) entry.fields[field] = value;
      entry.expiresAt = now + ttlMs;
      this.entries.set(key, entry);
    }
  }

  async read(series: string, from: number, to: number): Promise<MinuteFields[]> {
    this.prune(Date.now());
    const out: MinuteFields[] = [];
    for (let minute = from; minute <= to; minute++) {
      const entry = this.entries.get(`${series}\n${minute}`);
      if (entry && Object.keys(entry.fields).length > 0) out.push({ minute, fields: { ...entry.fields } });
    }
    return out;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
