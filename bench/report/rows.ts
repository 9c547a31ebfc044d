import type { LibraryName } from '../child/protocol';
import type { BenchOptions } from '../options';
import { WORKER_PROCESSES, workerCpuTasks, type MetricKey, type WorkerSeries } from './metrics';
import { median } from './stats';

/** A row of the results table. */
export interface Row {
  metric: string;
  values: Record<LibraryName, number | undefined>;
  format: (value: number) => string;
  /** How many times better nestjs-tasks is (>1 better), undefined when there is nothing to compare. */
  advantage?: number;
  goal?: { text: string; met: boolean };
}

type Figures = ReadonlyMap<MetricKey, Record<LibraryName, number[]>>;

interface RowDefinition {
  metric: (options: BenchOptions) => string;
  value: (lib: LibraryName, get: (key: MetricKey) => number | undefined) => number | undefined;
  format: (value: number) => string;
  /** Which way is better; `neither` for figures that describe the machine (no advantage is shown). */
  better: 'higher' | 'lower' | 'neither';
  /**
   * Goal on the advantage over BullMQ, or on the nestjs-tasks figure itself: met at or
   * above `min`, or at or below `max`; with `beatBullmq`, also better than BullMQ's figure.
   */
  goal?: { on: 'advantage' | 'nestjs-tasks'; min?: number; max?: number; beatBullmq?: boolean; text: string };
}

const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
const ms = (n: number) => `${n.toFixed(2)} ms`;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const times = (n: number) => `${n.toFixed(1)}x`;
const percent = (n: number) => `${Math.round(n * 100)}%`;
const micros = (n: number) => `${n.toFixed(1)} µs`;
const count = (n: number) => n.toFixed(1);
const bytes = (n: number) => `${Math.round(n)} B`;

const metric = (key: MetricKey) => (_lib: LibraryName, get: (key: MetricKey) => number | undefined) => get(key);
const ratio = (a: MetricKey, b: MetricKey) => (_lib: LibraryName, get: (key: MetricKey) => number | undefined) => {
  const x = get(a);
  const y = get(b);
  return x === undefined || y === undefined ? undefined : x / y;
};
/** nestjs-tasks' figure under `ours`; BullMQ's under `theirs` (when BullMQ has no such set-up, its default is it). */
const each = (ours: MetricKey, theirs?: MetricKey) => (lib: LibraryName, get: (key: MetricKey) => number | undefined) =>
  lib === 'nestjs-tasks' ? get(ours) : theirs === undefined ? undefined : get(theirs);
const processes = (n: number) => `${n} worker process${n === 1 ? '' : 'es'}`;

const DEFINITIONS: RowDefinition[] = [
  { metric: (o) => `Enqueue, ${o.inFlight} in flight (delay() / add())`, value: metric('enqueue.rate'), format: perSecond, better: 'higher', goal: { on: 'advantage', min: 3, text: '>= 3x BullMQ' } },
  { metric: (o) => `Producer CPU per enqueued task, ${o.inFlight} in flight`, value: metric('enqueue.cpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'Enqueue, one at a time (awaited)', value: metric('enqueue.sequentialRate'), format: perSecond, better: 'higher' },
  { metric: (o) => `Fan-out, chunks of ${o.chunk} (delayMany() / addBulk())`, value: metric('fanout.rate'), format: perSecond, better: 'higher', goal: { on: 'advantage', min: 5, text: '>= 5x BullMQ' } },
  { metric: () => 'Fan-out speed-up per task vs one at a time', value: ratio('fanout.rate', 'enqueue.sequentialRate'), format: times, better: 'higher' },
  { metric: (o) => `Processing a backlog of ${o.tasks.toLocaleString('en-US')}, concurrency ${o.concurrency}`, value: metric('process.rate'), format: perSecond, better: 'higher', goal: { on: 'advantage', min: 3, text: '>= 3x BullMQ' } },
  { metric: () => 'Worker CPU per processed task', value: metric('process.cpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'Processing, events on (events: true; BullMQ always writes its events)', value: each('events.rate', 'process.rate'), format: perSecond, better: 'higher' },
  { metric: () => 'Cost of events in processing rate', value: each('events.cost'), format: percent, better: 'lower', goal: { on: 'nestjs-tasks', max: 0.15, text: '<= 15%' } },
  { metric: () => 'Worker CPU per processed task, events on', value: each('events.cpuPerTask', 'process.cpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'Redis CPU per processed task, events on', value: each('events.redisCpuPerTask', 'process.redisCpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'Processing, telemetry on (recording tracer provider)', value: each('telemetry.rate'), format: perSecond, better: 'higher' },
  { metric: () => 'Cost of telemetry in processing rate', value: each('telemetry.cost'), format: percent, better: 'lower' },
  { metric: () => 'Worker CPU per processed task, telemetry on', value: each('telemetry.cpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'Processing, 100 concurrency keys of limit 5 (BullMQ: none)', value: each('keys.rate'), format: perSecond, better: 'higher' },
  { metric: () => 'Cost of concurrency keys in processing rate', value: each('keys.cost'), format: percent, better: 'lower' },
  { metric: () => 'Redis CPU per processed task, concurrency keys', value: each('keys.redisCpuPerTask'), format: micros, better: 'lower' },
  { metric: () => 'A lone task behind 2,000 of one key: start minus send (BullMQ: no keys)', value: metric('keysLone.ms'), format: ms, better: 'lower' },
  { metric: () => 'Processing, random priorities 1-9', value: metric('priorities.rate'), format: perSecond, better: 'higher' },
  { metric: () => 'Processing rate kept with priorities', value: ratio('priorities.rate', 'process.rate'), format: percent, better: 'higher' },
  { metric: () => 'Fan-out, random priorities 1-9', value: metric('priorities.fanoutRate'), format: perSecond, better: 'higher' },
  { metric: (o) => `Enqueue-to-start latency p50 at ${o.rate}/s`, value: metric('latency.p50'), format: ms, better: 'lower' },
  { metric: (o) => `Enqueue-to-start latency p99 at ${o.rate}/s`, value: metric('latency.p99'), format: ms, better: 'lower' },
  { metric: (o) => `Enqueue-to-start latency p99 at ${o.highRate}/s`, value: metric('latencyHigh.p99'), format: ms, better: 'lower', goal: { on: 'nestjs-tasks', max: 5, beatBullmq: true, text: '<= 5 ms and < BullMQ' } },
  { metric: (o) => `Delayed-task lateness p50 (countdown 50-500 ms, ${o.rate}/s)`, value: metric('lateness.p50'), format: ms, better: 'lower', goal: { on: 'nestjs-tasks', max: 2, text: '<= 2 ms' } },
  { metric: (o) => `Delayed-task lateness p99 (countdown 50-500 ms, ${o.rate}/s)`, value: metric('lateness.p99'), format: ms, better: 'lower', goal: { on: 'nestjs-tasks', max: 10, text: '<= 10 ms' } },
  { metric: () => 'Worker RSS after the backlog', value: metric('process.rss'), format: mb, better: 'lower' },
  { metric: () => 'Worker heap after the backlog (after GC)', value: metric('process.heapUsed'), format: mb, better: 'lower' },
  { metric: () => 'Worker peak RSS', value: metric('process.maxRss'), format: mb, better: 'lower' },
  { metric: () => 'Redis CPU per processed task', value: metric('process.redisCpuPerTask'), format: micros, better: 'lower', goal: { on: 'nestjs-tasks', max: 10, text: '<= 10 µs' } },
  { metric: () => 'Redis commands per processed task (scripts\' inner calls included)', value: metric('process.redisCallsPerTask'), format: count, better: 'lower' },
  { metric: () => 'Redis memory per queued task', value: metric('fill.redisBytesPerTask'), format: bytes, better: 'lower', goal: { on: 'nestjs-tasks', max: 100, text: '<= 100 B' } },
  ...workerRows('workers', () => ''),
  ...workerRows('workersCpu', (o) => `, tasks of ${o.taskCpuUs} µs CPU`),
];

/** Rate, Redis CPU, how busy the cores were and the ratio to one process, for 1, 2 and 4 worker processes of one series. */
function workerRows(series: WorkerSeries, tasks: (options: BenchOptions) => string): RowDefinition[] {
  return [
    ...WORKER_PROCESSES.map((n): RowDefinition => ({
      metric: (o) => `Processing ${series === 'workers' ? 'the backlog' : `a backlog of ${workerCpuTasks(o.tasks).toLocaleString('en-US')}`} with ${processes(n)}${tasks(o)}, concurrency ${o.concurrency} each`,
      value: metric(`${series}${n}.rate`),
      format: perSecond,
      better: 'higher',
    })),
    ...WORKER_PROCESSES.map((n): RowDefinition => ({
      metric: (o) => `Redis CPU per processed task, ${processes(n)}${tasks(o)}`,
      value: metric(`${series}${n}.redisCpuPerTask`),
      format: micros,
      better: 'lower',
    })),
    ...WORKER_PROCESSES.map((n): RowDefinition => ({
      metric: (o) => `Cores busy (worker processes and Redis), ${processes(n)}${tasks(o)}`,
      value: metric(`${series}${n}.busy`),
      format: percent,
      better: 'neither',
    })),
    {
      // With CPU per task as with one process, the cores are all busy at 1 / (their share busy with one).
      metric: (o) => `2 worker processes vs one${tasks(o)}: this machine's ceiling (1 / cores busy with one)`,
      value: (_lib, get) => {
        const busy = get(`${series}1.busy`);
        return busy === undefined || busy <= 0 ? undefined : Math.min(2, 1 / busy);
      },
      format: times,
      better: 'neither',
    },
    ...WORKER_PROCESSES.filter((n) => n > 1).map((n): RowDefinition => ({
      metric: (o) => `${processes(n)} vs one${tasks(o)}`,
      value: ratio(`${series}${n}.rate`, `${series}1.rate`),
      format: times,
      better: 'higher',
      ...(n === 2 ? { goal: { on: 'nestjs-tasks' as const, min: 1.6, text: '>= 1.6x' } } : {}),
    })),
  ];
}

/** The table rows with figures: the median of the rounds of each measurement that ran. */
export function buildRows(figures: Figures, options: BenchOptions): Row[] {
  const rows: Row[] = [];
  for (const definition of DEFINITIONS) {
    const values = {} as Row['values'];
    for (const lib of ['nestjs-tasks', 'bullmq'] as const) {
      values[lib] = definition.value(lib, (key) => {
        const list = figures.get(key)?.[lib];
        return list && list.length > 0 ? median(list) : undefined;
      });
    }
    const ours = values['nestjs-tasks'];
    const theirs = values.bullmq;
    if (ours === undefined && theirs === undefined) continue;
    const advantage =
      ours !== undefined && theirs !== undefined && ours > 0 && theirs > 0 && definition.better !== 'neither'
        ? definition.better === 'higher' ? ours / theirs : theirs / ours
        : undefined;
    const row: Row = { metric: definition.metric(options), values, format: definition.format, advantage };
    if (definition.goal) {
      const subject = definition.goal.on === 'advantage' ? advantage : ours;
      const { min = -Infinity, max = Infinity, beatBullmq = false, text } = definition.goal;
      const beaten = !beatBullmq || (advantage !== undefined && advantage > 1);
      if (subject !== undefined) row.goal = { text, met: subject >= min && subject <= max && beaten };
    }
    rows.push(row);
  }
  return rows;
}
