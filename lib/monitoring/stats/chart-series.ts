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
  const counters = new Map<string, { series: string; minute: number; add: Record<string, number> }>();
  const bump = (series: string, minute: number, field: string) => {
    const key = `${series}\n${minute}`;
    let entry = counters.get(key);
    if (!entry) counters.set(key, (entry = { series, minute, add: {} }));
    entry.add[field] = (entry.add[field] ?? 0) + 1;
  };
  for (const event of events) {
    const minute = epochMinute(event.at);
    switch (event.type) {
      case 'succeeded':
        bump(SERIES.throughput, minute, 'succeeded');
        if (event.task && event.runtime !== undefined) bump(SERIES.runtime(event.task), minute, String(runtimeBucket(event.runtime)));
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
  return [...counters.values()];
}
