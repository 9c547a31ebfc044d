import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LibraryName } from '../../bench/child/protocol';
import { parseBenchOptions } from '../../bench/options';
import type { MachineInfo } from '../../bench/report/machine-info';
import { RESULTS_END, RESULTS_START, writeResults } from '../../bench/report/markdown-file';
import type { MetricKey } from '../../bench/report/metrics';
import { renderMarkdown, renderText } from '../../bench/report/render';
import { buildRows } from '../../bench/report/rows';
import { median, percentile } from '../../bench/report/stats';

const options = parseBenchOptions([], {});

function figures(entries: Array<[MetricKey, number[], number[]]>): Map<MetricKey, Record<LibraryName, number[]>> {
  return new Map(entries.map(([key, ours, theirs]) => [key, { 'nestjs-tasks': ours, bullmq: theirs }]));
}

const machine: MachineInfo = {
  date: '2025-01-01T00:00:00Z',
  cpus: '2 x Test CPU',
  memory: '4 GiB',
  os: 'Linux 6',
  node: 'v20.20.2',
  redis: '7.0.15',
  nestjsTasks: '0.1.0',
  revision: 'abc1234',
  bullmq: '6.7.0',
  load: '0.10 at start, 0.20 at end',
};

describe('bench statistics', () => {
  it('takes nearest-rank percentiles and medians', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([], 50)).toBeNaN();
    expect(median([9, 1, 5])).toBe(5);
  });
});

describe('bench report rows', () => {
  it('reports the median of the rounds and the advantage in the right direction', () => {
    const rows = buildRows(
      figures([
        ['process.rate', [30_000, 10_000, 20_000], [10_000, 10_000, 10_000]],
        ['latency.p50', [1], [2]],
      ]),
      options,
    );
    const processing = rows.find((row) => row.metric.startsWith('Processing a backlog'))!;
    expect(processing.values).toEqual({ 'nestjs-tasks': 20_000, bullmq: 10_000 });
    expect(processing.advantage).toBe(2);
    expect(processing.goal).toEqual({ text: '>= 3x BullMQ', met: false });
    const latency = rows.find((row) => row.metric.includes('latency p50'))!;
    expect(latency.advantage).toBe(2); // lower is better: half the latency is twice as good
  });

  it('marks a missed goal and leaves out metrics that were not measured', () => {
    const rows = buildRows(figures([['enqueue.rate', [29_000], [10_000]]]), options);
    expect(rows).toHaveLength(1);
    expect(rows[0].goal).toEqual({ text: '>= 3x BullMQ', met: false });
  });

  it.each<[string, MetricKey, number, number, string, boolean]>([
    ['Enqueue, 100 in flight (delay() / add())', 'enqueue.rate', 30_000, 10_000, '>= 3x BullMQ', true],
    ['Fan-out, chunks of 1000 (delayMany() / addBulk())', 'fanout.rate', 49_000, 10_000, '>= 5x BullMQ', false],
    ['Fan-out, chunks of 1000 (delayMany() / addBulk())', 'fanout.rate', 50_000, 10_000, '>= 5x BullMQ', true],
    ['Processing a backlog of 20,000, concurrency 50', 'process.rate', 30_000, 10_000, '>= 3x BullMQ', true],
    ['Redis CPU per processed task', 'process.redisCpuPerTask', 10, 45, '<= 10 µs', true],
    ['Redis CPU per processed task', 'process.redisCpuPerTask', 10.5, 45, '<= 10 µs', false],
    ['Redis memory per queued task', 'fill.redisBytesPerTask', 100, 232, '<= 100 B', true],
    ['Redis memory per queued task', 'fill.redisBytesPerTask', 276, 232, '<= 100 B', false],
    ['Delayed-task lateness p50 (countdown 50-500 ms, 500/s)', 'lateness.p50', 2, 40, '<= 2 ms', true],
    ['Delayed-task lateness p99 (countdown 50-500 ms, 500/s)', 'lateness.p99', 10.5, 60, '<= 10 ms', false],
  ])('holds the goals of issue 13: %s (%s) ours %d, BullMQ %d', (name, key, ours, theirs, text, met) => {
    const row = buildRows(figures([[key, [ours], [theirs]]]), options).find((r) => r.metric === name)!;
    expect(row.goal).toEqual({ text, met });
  });

  it('wants the p99 latency at the high rate under 5 ms and better than BullMQ', () => {
    const goal = (ours: number, theirs: number) =>
      buildRows(figures([['latencyHigh.p99', [ours], [theirs]]]), options).find((r) => r.metric.includes('p99 at 5000/s'))!.goal;
    expect(goal(4, 20)).toEqual({ text: '<= 5 ms and < BullMQ', met: true });
    expect(goal(4, 3)).toEqual({ text: '<= 5 ms and < BullMQ', met: false });
    expect(goal(6, 20)).toEqual({ text: '<= 5 ms and < BullMQ', met: false });
  });

  it("prices events and telemetry by the median of each round's paired cost, BullMQ (always with events) beside them", () => {
    const rows = buildRows(
      figures([
        ['process.rate', [20_000, 30_000, 25_000], [10_000, 10_000, 10_000]],
        ['events.rate', [22_000, 20_000, 21_000], []],
        ['events.cost', [0.05, 0.3, 0.12], []],
        ['telemetry.rate', [15_000], []],
        ['telemetry.cost', [0.4], []],
        ['process.cpuPerTask', [30], [54]],
        ['events.cpuPerTask', [36], []],
      ]),
      options,
    );
    const find = (start: string) => rows.find((row) => row.metric.startsWith(start))!;
    const eventsOn = find('Processing, events on');
    expect(eventsOn.values).toEqual({ 'nestjs-tasks': 21_000, bullmq: 10_000 });
    expect(eventsOn.advantage).toBeCloseTo(2.1);
    const eventsCost = find('Cost of events');
    expect(eventsCost.values['nestjs-tasks']).toBeCloseTo(0.12); // the rounds' own, not 1 - 21,000 / 25,000 (the medians: 16%)
    expect(eventsCost.values.bullmq).toBeUndefined();
    expect(eventsCost.goal).toEqual({ text: '<= 15%', met: true });
    expect(eventsCost.format(eventsCost.values['nestjs-tasks']!)).toBe('12%');
    expect(find('Worker CPU per processed task, events on').values).toEqual({ 'nestjs-tasks': 36, bullmq: 54 });
    expect(find('Processing, telemetry on').values).toEqual({ 'nestjs-tasks': 15_000, bullmq: undefined });
    expect(find('Cost of telemetry').values['nestjs-tasks']).toBeCloseTo(0.4);
    expect(buildRows(figures([['process.rate', [20_000], [10_000]], ['events.cost', [0.2], []]]), options).find((r) => r.metric.startsWith('Cost of events'))!.goal).toEqual({ text: '<= 15%', met: false });
  });

  it('shows 1, 2 and 4 worker processes with Redis CPU per task and the ratio to one process', () => {
    const rows = buildRows(
      figures([
        ['workers1.rate', [30_000], [15_000]],
        ['workers2.rate', [51_000], [27_000]],
        ['workers4.rate', [60_000], [40_000]],
        ['workers1.redisCpuPerTask', [16], [45]],
        ['workers2.redisCpuPerTask', [17], [46]],
        ['workers4.redisCpuPerTask', [18], [47]],
        ['workers1.busy', [0.7, 0.6, 0.65], [0.5, 0.5, 0.5]],
        ['workers2.busy', [0.9], [0.8]],
        ['workers4.busy', [0.95], [0.85]],
      ]),
      options,
    );
    expect(rows.map((row) => row.metric)).toEqual([
      'Processing the backlog with 1 worker process, concurrency 50 each',
      'Processing the backlog with 2 worker processes, concurrency 50 each',
      'Processing the backlog with 4 worker processes, concurrency 50 each',
      'Redis CPU per processed task, 1 worker process',
      'Redis CPU per processed task, 2 worker processes',
      'Redis CPU per processed task, 4 worker processes',
      'Cores busy (worker processes and Redis), 1 worker process',
      'Cores busy (worker processes and Redis), 2 worker processes',
      'Cores busy (worker processes and Redis), 4 worker processes',
      "2 worker processes vs one: this machine's ceiling (1 / cores busy with one)",
      '2 worker processes vs one',
      '4 worker processes vs one',
    ]);
    const two = rows[10];
    expect(two.values['nestjs-tasks']).toBeCloseTo(1.7);
    expect(two.values.bullmq).toBeCloseTo(1.8);
    expect(two.goal).toEqual({ text: '>= 1.6x', met: true });
    expect(rows[11].values['nestjs-tasks']).toBeCloseTo(2);
    expect(rows[11].goal).toBeUndefined();
    expect(rows[3].advantage).toBeCloseTo(45 / 16);
    // How busy the cores were describes the machine: no advantage either way.
    expect(rows[6].values).toEqual({ 'nestjs-tasks': 0.65, bullmq: 0.5 });
    expect(rows[6].format(0.65)).toBe('65%');
    expect(rows[6].advantage).toBeUndefined();
    // One process kept 65% of the cores busy: two can go 1 / 0.65 times as fast at most; never more than twice.
    expect(rows[9].values['nestjs-tasks']).toBeCloseTo(1 / 0.65);
    expect(rows[9].values.bullmq).toBe(2);
    expect(rows[9].advantage).toBeUndefined();
    expect(rows[9].goal).toBeUndefined();
  });

  it('shows the series of CPU-burning tasks apart, on a quarter of the backlog, with its own goal', () => {
    const rows = buildRows(
      figures([
        ['workers1.rate', [50_000], [18_000]],
        ['workers2.rate', [45_000], [15_000]],
        ['workersCpu1.rate', [1_900], [1_800]],
        ['workersCpu2.rate', [3_600], [3_300]],
        ['workersCpu4.rate', [3_700], [3_400]],
        ['workersCpu2.redisCpuPerTask', [12], [40]],
      ]),
      parseBenchOptions(['--task-cpu-us', '400'], {}),
    );
    expect(rows.map((row) => row.metric)).toEqual([
      'Processing the backlog with 1 worker process, concurrency 50 each',
      'Processing the backlog with 2 worker processes, concurrency 50 each',
      '2 worker processes vs one',
      'Processing a backlog of 5,000 with 1 worker process, tasks of 400 µs CPU, concurrency 50 each',
      'Processing a backlog of 5,000 with 2 worker processes, tasks of 400 µs CPU, concurrency 50 each',
      'Processing a backlog of 5,000 with 4 worker processes, tasks of 400 µs CPU, concurrency 50 each',
      'Redis CPU per processed task, 2 worker processes, tasks of 400 µs CPU',
      '2 worker processes vs one, tasks of 400 µs CPU',
      '4 worker processes vs one, tasks of 400 µs CPU',
    ]);
    expect(rows[2].goal).toEqual({ text: '>= 1.6x', met: false });
    expect(rows[7].values['nestjs-tasks']).toBeCloseTo(3600 / 1900);
    expect(rows[7].goal).toEqual({ text: '>= 1.6x', met: true });
    expect(rows[8].goal).toBeUndefined();
  });

  it('derives the fan-out speed-up and the rate kept with priorities per library', () => {
    const rows = buildRows(
      figures([
        ['fanout.rate', [60_000], [15_000]],
        ['enqueue.sequentialRate', [5_000], [2_500]],
        ['process.rate', [20_000], [10_000]],
        ['priorities.rate', [15_000], [9_000]],
      ]),
      options,
    );
    const speedUp = rows.find((row) => row.metric.startsWith('Fan-out speed-up'))!;
    expect(speedUp.values).toEqual({ 'nestjs-tasks': 12, bullmq: 6 });
    expect(speedUp.goal).toBeUndefined();
    expect(rows.find((row) => row.metric.startsWith('Fan-out, chunks'))!.goal).toEqual({ text: '>= 5x BullMQ', met: false });
    const kept = rows.find((row) => row.metric.startsWith('Processing rate kept'))!;
    expect(kept.values['nestjs-tasks']).toBeCloseTo(0.75);
    expect(kept.values.bullmq).toBeCloseTo(0.9);
    expect(kept.format(0.75)).toBe('75%');
  });

  it('renders the same rows as text and as Markdown with the machine', () => {
    const rows = buildRows(figures([['process.rate', [20_000], [8_000]], ['process.rss', [100 * 1024 * 1024], [120 * 1024 * 1024]]]), options);
    const text = renderText(rows);
    expect(text).toMatch(/Processing a backlog of 20,000, concurrency 50\s+20,000\/s\s+8,000\/s\s+2\.50x\s+>= 3x BullMQ: MISSED/);
    expect(text).toMatch(/Worker RSS after the backlog\s+100\.0 MB\s+120\.0 MB\s+1\.20x/);
    const markdown = renderMarkdown(rows, machine, options);
    expect(markdown).toContain('| Metric | nestjs-tasks | BullMQ | nestjs-tasks advantage | Goal |');
    expect(markdown).toContain('| Processing a backlog of 20,000, concurrency 50 | 20,000/s | 8,000/s | 2.50x | >= 3x BullMQ: MISSED |');
    expect(markdown).toContain('Machine: 2 x Test CPU, 4 GiB, Linux 6; Node v20.20.2; Redis 7.0.15');
    expect(markdown).toContain('nestjs-tasks 0.1.0 (abc1234); BullMQ 6.7.0');
  });
});

describe('bench Markdown file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bench-md-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file with the results between markers', () => {
    const file = join(dir, 'nested', 'benchmarks.md');
    writeResults(file, '| a | b |');
    expect(readFileSync(file, 'utf8')).toBe(`## Benchmarks\n\n${RESULTS_START}\n| a | b |\n${RESULTS_END}\n`);
  });

  it('replaces only what is between the markers', () => {
    const file = join(dir, 'benchmarks.md');
    writeFileSync(file, `# Intro\n\n${RESULTS_START}\nold figures\n${RESULTS_END}\n\n## Analysis\nkept\n`);
    writeResults(file, 'new figures');
    expect(readFileSync(file, 'utf8')).toBe(`# Intro\n\n${RESULTS_START}\nnew figures\n${RESULTS_END}\n\n## Analysis\nkept\n`);
  });

  it('appends the block to a file without markers', () => {
    const file = join(dir, 'benchmarks.md');
    writeFileSync(file, '# Hand-written\n');
    writeResults(file, 'figures');
    expect(readFileSync(file, 'utf8')).toBe(`# Hand-written\n\n${RESULTS_START}\nfigures\n${RESULTS_END}\n`);
  });
});
