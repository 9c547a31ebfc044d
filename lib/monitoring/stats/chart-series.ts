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
  const bump = (series: string, minute: number, field: string) => {
    let minutes = bySeries.get(series);
    if (!minutes) bySeries.set(series, (minutes = new Map()));
    let add = minutes.get(minute);
    if (!add) {
      add = {};
      minutes.set(minute, add);
      updates.push({ series, minute, add });
    }
    add[field] = (add[field] ?? 0) + 1;
  };
  let lastTask: string | undefined;
  let lastRuntimeSeries = '';
  for (const event of events) {
    const minute = epochMinute(event.at);
    switch (event.type) {
      case 'succeeded':
        bump(SERIES.throughput, minute, 'succeeded');
        if (event.task && event.runtime !== undefined) {
          if (event.task !== lastTask) {
            lastTask = event.task;
            lastRuntimeSeries = SERIES.runtime(event.task);
          }
          bump(lastRuntimeSeries, minute, String(runtimeBucket(event.runtime)));
        }
        break;
      case 'failed':
        bump(SERIES.throughput, minute, 'failed');
        break;
      case 'retried':
        bump(SERIES.throughput, minute, 'retried');
        break;
      default:
        break;
    }
  }
  return updates;
}
