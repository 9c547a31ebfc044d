import { Inject, Injectable } from '@nestjs/common';
import { TASK_MONITORING_STORE } from '../../constants';
import { epochMinute, MINUTE_MS } from '../../broker/ports/minute-stats';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import { assertInteger } from '../../utils/validate';
import { SERIES } from './chart-series';
import { quantile } from './runtime-buckets';

/** Outcomes in one minute. */
export interface ThroughputPoint {
  /** Start of the minute, ms. */
  at: number;
  succeeded: number;
  failed: number;
  retried: number;
}

/** Messages ready to run, by queue: the most the workers saw in one minute. */
export interface QueueDepthPoint {
  at: number;
  queues: Record<string, number>;
}

/** Runtime percentiles (ms) of one task's runs in one minute (or over the whole window). */
export interface RuntimePercentiles {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

export interface RuntimeStats extends RuntimePercentiles {
  task: string;
  /** Each minute of the window that had runs. */
  points: Array<RuntimePercentiles & { at: number }>;
}

const MAX_MINUTES = 24 * 60;

/**
 * The per-minute numbers behind the dashboard's charts, for the last `minutes` (60 by
 * default). They are recorded by processes with `events: true`: outcomes and runtimes
 * from the events they publish, queue depth by each worker at its heartbeat.
 */
@Injectable()
export class TaskStats {
  constructor(@Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore) {}

  /** Succeeded, failed and retried runs per minute, every minute of the window (zeros included), oldest first. */
  async throughput(minutes = 60): Promise<ThroughputPoint[]> {
    const [from, to] = window(minutes);
    const stored = new Map((await this.backend.stats.read(SERIES.throughput, from, to)).map((m) => [m.minute, m.fields]));
    const points: ThroughputPoint[] = [];
    for (let minute = from; minute <= to; minute++) {
      const fields = stored.get(minute) ?? {};
      points.push({ at: minute * MINUTE_MS, succeeded: fields.succeeded ?? 0, failed: fields.failed ?? 0, retried: fields.retried ?? 0 });
    }
    return points;
  }

  /** Ready messages per queue, for the minutes a worker sampled them, oldest first. */
  async queueDepth(minutes = 60): Promise<QueueDepthPoint[]> {
    const [from, to] = window(minutes);
    return (await this.backend.stats.read(SERIES.depth, from, to)).map((m) => ({ at: m.minute * MINUTE_MS, queues: m.fields }));
  }

  /** Runtime percentiles of one task name: per minute, and over the window. */
  async runtimes(task: string, minutes = 60): Promise<RuntimeStats> {
    const [from, to] = window(minutes);
    const stored = await this.backend.stats.read(SERIES.runtime(task), from, to);
    const all = new Map<number, number>();
    const points = stored.map(({ minute, fields }) => {
      const buckets = new Map<number, number>();
      for (const [bucket, count] of Object.entries(fields)) {
        buckets.set(Number(bucket), count);
        all.set(Number(bucket), (all.get(Number(bucket)) ?? 0) + count);
      }
      return { at: minute * MINUTE_MS, ...percentiles(buckets) };
    });
    return { task, ...percentiles(all), points };
  }
}

function window(minutes: number): [number, number] {
  assertInteger('minutes', minutes, 1, MAX_MINUTES);
  const to = epochMinute(Date.now());
  return [to - minutes + 1, to];
}

function percentiles(buckets: ReadonlyMap<number, number>): RuntimePercentiles {
  let count = 0;
  for (const n of buckets.values()) count += n;
  if (count === 0) return { count };
  return { count, p50: quantile(buckets, 0.5), p95: quantile(buckets, 0.95), p99: quantile(buckets, 0.99) };
}
