/** One minute's numbers of one series: counters to add to, gauges that keep the minute's highest value. */
export interface MinuteUpdate {
  /** The series: what the numbers are of (`throughput`, `depth`, `runtime:<task>`). */
  series: string;
  /** Epoch minute (ms / 60 000, floored). */
  minute: number;
  /** Integers added to the counters. */
  add?: Readonly<Record<string, number>>;
  /** Gauges: each keeps the highest value recorded in the minute. */
  max?: Readonly<Record<string, number>>;
}

/** The numbers one series holds for one minute. */
export interface MinuteFields {
  minute: number;
  fields: Record<string, number>;
}

/**
 * Per-minute aggregates for the dashboard's charts (throughput, queue depth, runtimes):
 * a hash per series and minute in Redis, kept for `ttl`; a map for the memory broker.
 */
export interface MinuteStatsStore {
  /** Applies the updates (each (series, minute) in one step) and keeps each one touched `ttlMs` from now. */
  record(updates: readonly MinuteUpdate[], ttlMs: number): Promise<void>;
  /** The minutes from `from` to `to` (epoch minutes, inclusive) that hold numbers of `series`, oldest first. */
  read(series: string, from: number, to: number): Promise<MinuteFields[]>;
}

export const MINUTE_MS = 60_000;

export function epochMinute(at: number): number {
  return Math.floor(at / MINUTE_MS);
}
