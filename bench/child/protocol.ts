/** Messages between the runner and the child process that runs one side of one measurement. */
export type LibraryName = 'nestjs-tasks' | 'bullmq';

interface JobBase {
  lib: LibraryName;
  redisUrl: string;
  /** Key prefix of this library in this run; everything it writes is under it. */
  prefix: string;
  queue: string;
  /** nestjs-tasks only: spread the queue over this many shards (the cluster bench). */
  shards?: number;
  /** nestjs-tasks only: run with `events: true`, or with telemetry and a recording tracer provider. */
  variant?: LibraryVariant;
}

/** A set-up of nestjs-tasks other than its defaults, measured against them. */
export type LibraryVariant = 'events' | 'telemetry' | 'keys';

export type ChildJob =
  /** `tasks` enqueues, `inFlight` outstanding at any time, after `warmTasks` untimed ones. */
  | (JobBase & { kind: 'enqueue'; tasks: number; inFlight: number; warmTasks: number })
  /** `tasks` enqueues, one at a time, each awaited. */
  | (JobBase & { kind: 'enqueue-sequential'; tasks: number })
  /**
   * Fan-out: `tasks` enqueued in calls of `chunk` (delayMany / addBulk); random priorities 1-9
   * when `priorities`. With `warmTasks`, the child first fans out that many under a prefix of
   * its own (`<prefix>:warm`, untimed; the runner deletes them), says `ready` and starts on `go`.
   */
  | (JobBase & { kind: 'fill'; tasks: number; chunk: number; priorities: boolean; warmTasks?: number })
  /**
   * One worker drains a backlog of `tasks`. With `warmTasks`, the child first runs that many
   * through a worker of its own (another prefix, untimed), says `ready` and starts on `go`.
   */
  | (JobBase & { kind: 'process'; tasks: number; concurrency: number; warmTasks?: number })
  /**
   * One of several worker processes draining one backlog together: it warms up as `process`
   * does (a prefix of its own), builds its worker, says `ready`, starts on `go`, reports its
   * count as `progress`; on `stop` it notes when the queue is drained, stops (then says
   * `stopped`) and on `finish` counts what is left in the queue and returns. `tasks` is the
   * whole backlog, run by all of them together. With `taskCpuUs`, each task (not the warm-up's)
   * first burns that much CPU.
   */
  | (JobBase & { kind: 'process-share'; tasks: number; concurrency: number; warmTasks?: number; taskCpuUs?: number })
  /**
   * A worker that records enqueue-to-start latency of `tasks` tasks, the first `skip` unmeasured.
   * With `warmTasks`, it first runs that many through a worker of its own, as `process` does.
   */
  | (JobBase & { kind: 'latency-worker'; tasks: number; skip: number; concurrency: number; warmTasks?: number })
  /**
   * Enqueues `tasks` one by one at `rate` per second, carrying the send time; with
   * `countdown`, each is delayed by a random countdown in [min, max] ms and carries its due time.
   */
  | (JobBase & { kind: 'latency-producer'; tasks: number; rate: number; countdown?: { min: number; max: number } })
  /**
   * A flood of `tasks` noop tasks of one concurrency key (`keys` variant; plain tasks for
   * BullMQ), in chunks of 1000, then one timed task carrying its send time.
   */
  | (JobBase & { kind: 'flood-producer'; tasks: number });

export interface MemoryFigures {
  /** Resident set size when the backlog was done, bytes. */
  rss: number;
  /** Live heap after a full GC, bytes. */
  heapUsed: number;
  /** Peak resident set size over the process's life, bytes. */
  maxRss: number;
}

/** The timed part of a child's life on the monotonic clock of CPU profiles, µs. */
export interface TimedWindow {
  startUs: number;
  endUs: number;
}

/** What the child did in its timed part: wall time, and its own CPU time (user + system). */
export interface Timed {
  seconds: number;
  cpuMicros: number;
  window: TimedWindow;
}

export type ChildResult =
  | ({ kind: 'rate'; tasks: number } & Timed)
  | ({ kind: 'process'; tasks: number; memory: MemoryFigures; leftover: number; spans?: number } & Timed)
  /** A share of a backlog: the tasks this process ran, its first start and last task body (wall clock, ms). */
  | { kind: 'share'; tasks: number; startedAt: number; lastHitAt: number; drainedAt: number; cpuMicros: number; leftover: number }
  | { kind: 'latency'; samples: number; p50: number; p90: number; p99: number; max: number; window: TimedWindow }
  | { kind: 'sent'; tasks: number; seconds: number };

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; count: number }
  | { type: 'stopped' }
  | { type: 'result'; result: ChildResult }
  | { type: 'error'; message: string };

/** What the runner tells a `process-share` child. */
export type RunnerMessage = { type: 'go' } | { type: 'stop' } | { type: 'finish' };

export const JOB_ENV = 'NESTJS_TASKS_BENCH_JOB';
