import { runtimeBucket } from './runtime-buckets';
import type { MinuteUpdate } from '../../broker/ports/minute-stats';
import { epochMinute } from '../../broker/ports/minute-stats';
import type { TaskEvent } from '../../serialization/task-event';

/** The series the charts read, and how long their minutes are kept. */
export const SERIES = {
  throughput: 'throughput',
  depth: 'depth',
  runtime: (task: string) => `runtime:${task}`,
} as const;

/** Two hours: the charts show the last hour. */
export const STATS_TTL_MS = 2 * 60 * 60 * 1000;

/** What a batch of events adds to the minute counters: outcomes per minute, and runtimes per task. */
export function updatesForEvents(events: readonly TaskEvent[]): MinuteUpdate[] {
  const updates: Array<{ series: string; minute: number; add: Record<string, number> }> = [];
  // Per series, its entry per minute (a batch spans a minute or two).
  const bySeries = new Map<string, Map<number, Record<string, number>>>();
  const entry = (series: string, minute: number): Record<string, number> => {
    let minutes = bySeries.get(series);
    if (!minutes) bySeries.set(series, (minutes = new Map()));
    let add = minutes.get(minute);
    if (!add) {
      add = {};
      minutes.set(minute, add);
      updates.push({ series, minute, add });
    }
    return add;
  };
  // The entries the last outcome went to: a batch's events are mostly one task's, in one minute.
  let minute = NaN;
  let throughput: Record<string, number> = {};
  let lastTask: string | undefined;
  let runtimes: Record<string, number> | undefined;
  for (const event of events) {
    const { type } = event;
    if (type !== 'succeeded' && type !== 'failed' && type !== 'retried') continue;
    const at = epochMinute(event.at);
    if (at !== minute) {
      minute = at;
      throughput = entry(SERIES.throughput, minute);
      lastTask = undefined;
    }
    throughput[type] = (throughput[type] ?? 0) + 1;
    if (type !== 'succeeded' || !event.task || event.runtime === undefined) continue;
    if (event.task !== lastTask) {
      lastTask = event.task;
      runtimes = entry(SERIES.runtime(event.task), minute);
    }
    const bucket = runtimeBucket(event.runtime);
    runtimes![bucket] = (runtimes![bucket] ?? 0) + 1;
  }
  return updates;
}
