import { updatesForEvents } from '../../lib/monitoring/stats/chart-series';
import { quantile, runtimeBucket } from '../../lib/monitoring/stats/runtime-buckets';
import { lineChart, niceCeiling } from '../../lib/dashboard/views/charts';
import type { TaskEvent } from '../../lib';

describe('chart numbers', () => {
  it('runtime percentiles from log buckets are within 5% of the exact ones', () => {
    // A long-tailed spread of runtimes, 1 ms to about 20 s.
    const runtimes = Array.from({ length: 5000 }, (_, i) => Math.round(Math.exp((i % 997) / 100)));
    const buckets = new Map<number, number>();
    for (const ms of runtimes) buckets.set(runtimeBucket(ms), (buckets.get(runtimeBucket(ms)) ?? 0) + 1);
    const sorted = [...runtimes].sort((a, b) => a - b);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1];
      expect(Math.abs(quantile(buckets, q)! - exact) / exact).toBeLessThanOrEqual(0.05);
    }
    expect(quantile(new Map(), 0.5)).toBeUndefined();
    expect(runtimeBucket(0)).toBe(0);
    expect(quantile(new Map([[0, 3]]), 0.99)).toBeLessThan(1);
  });

  it('counts outcomes per minute and runtimes per task from a batch of events', () => {
    const minute = 29_000_000;
    const at = minute * 60_000;
    const events: TaskEvent[] = [
      { type: 'succeeded', at, taskId: 'a', task: 'T.one', runtime: 12 },
      { type: 'succeeded', at: at + 59_999, taskId: 'b', task: 'T.one', runtime: 12 },
      { type: 'succeeded', at: at + 60_000, taskId: 'c', task: 'T.two', runtime: 0 },
      { type: 'failed', at, taskId: 'd', task: 'T.one', error: { name: 'E', message: 'm' } },
      { type: 'retried', at, taskId: 'e', task: 'T.one', eta: at, error: { name: 'E', message: 'm' } },
      { type: 'started', at, taskId: 'a', task: 'T.one' },
      { type: 'worker-heartbeat', at, worker: 'w' },
    ];
    expect(updatesForEvents(events)).toEqual([
      { series: 'throughput', minute, add: { succeeded: 2, failed: 1, retried: 1 } },
      { series: 'runtime:T.one', minute, add: { [String(runtimeBucket(12))]: 2 } },
      { series: 'throughput', minute: minute + 1, add: { succeeded: 1 } },
      { series: 'runtime:T.two', minute: minute + 1, add: { '0': 1 } },
    ]);
  });

  it('draws each series as a polyline scaled to a round ceiling, with escaped names', () => {
    expect([0, 0.3, 7, 10, 11, 2400, 2600].map(niceCeiling)).toEqual([1, 0.5, 10, 10, 20, 2500, 5000]);
    const svg = lineChart({
      id: 'c',
      title: 'T',
      from: 0,
      to: 120_000,
      series: [{ name: '<q>', tone: 'c1', points: [[0, 1], [60_000, 4], [120_000, 2]] }],
      empty: 'none',
    }).value;
    expect(svg).toContain('data-series="&lt;q&gt;" data-points="3" data-total="7"');
    expect(svg).not.toContain('<q>');
    const points = /<polyline points="([^"]+)"/.exec(svg)![1].split(' ').map((p) => p.split(',').map(Number));
    expect(points.map(([x]) => x)).toEqual([46, 337, 628]);
    // 4 of a ceiling of 5 is 80% up the plot (top at y=12, bottom at y=166).
    expect(points[1][1]).toBeCloseTo(166 - 0.8 * 154, 0);
    expect(lineChart({ id: 'e', title: 'T', from: 0, to: 1, series: [], empty: 'nothing <here>' }).value).toContain('nothing &lt;here&gt;');
  });
});
