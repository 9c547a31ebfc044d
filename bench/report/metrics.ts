import type { LibraryVariant } from '../child/protocol';

/** Every figure the bench records, per library and round. */
export type MetricKey =
  | 'enqueue.rate'
  | 'enqueue.cpuPerTask'
  | 'enqueue.sequentialRate'
  | 'fanout.rate'
  | 'fill.redisBytesPerTask'
  | 'process.rate'
  | 'process.cpuPerTask'
  | 'process.rss'
  | 'process.heapUsed'
  | 'process.maxRss'
  | 'process.redisCpuPerTask'
  | 'process.redisCallsPerTask'
  | 'priorities.fanoutRate'
  | 'priorities.rate'
  | 'latency.p50'
  | 'latency.p90'
  | 'latency.p99'
  | 'latency.max'
  | 'latencyHigh.p50'
  | 'latencyHigh.p90'
  | 'latencyHigh.p99'
  | 'keysLone.ms'
  | 'latencyHigh.max'
  | 'lateness.p50'
  | 'lateness.p99'
  | 'lateness.max'
  | `${LibraryVariant}.rate`
  | `${LibraryVariant}.cpuPerTask`
  | `${LibraryVariant}.redisCpuPerTask`
  /** 1 - the variant's rate / the plain rate, of one round's paired drains. */
  | `${LibraryVariant}.cost`
  | `${WorkerSeries}${WorkerProcesses}.rate`
  | `${WorkerSeries}${WorkerProcesses}.redisCpuPerTask`
  /** The share of the machine's cores the worker processes and Redis used while they drained. */
  | `${WorkerSeries}${WorkerProcesses}.busy`;

/** Worker processes of the scale-out measurement (`--only workers`). */
export const WORKER_PROCESSES = [1, 2, 4] as const;
export type WorkerProcesses = (typeof WORKER_PROCESSES)[number];
/** The worker-process measurement's two series: noop tasks, and tasks that burn CPU (`--task-cpu-us`). */
export type WorkerSeries = 'workers' | 'workersCpu';

/** The backlog of the CPU series: a quarter of `--tasks` (its tasks take far longer than noops). */
export function workerCpuTasks(tasks: number): number {
  return Math.max(1, Math.ceil(tasks / 4));
}
