import { performance } from 'node:perf_hooks';

/** Wall-clock time in ms with sub-ms precision, comparable across processes of one machine. */
export function wallClock(): number {
  return performance.timeOrigin + performance.now();
}

/** The monotonic clock V8's CPU profiles use, µs. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * What a task body does in the bench, the same for both libraries: count itself,
 * and for latency runs note how long after its enqueue it started.
 */
export class Probe {
  private count = 0;
  private target = Infinity;
  private onDone?: () => void;
  private latencies?: Float64Array;
  private watcher?: (count: number) => void;
  /** CPU each task burns before it counts, µs (0: a noop). */
  taskCpuUs = 0;

  /** Resolves once `target` tasks have run from now on. */
  expect(target: number): Promise<void> {
    this.count = 0;
    this.target = target;
    return new Promise((resolve) => {
      this.onDone = resolve;
      this.check();
    });
  }

  /** Keeps the latency of each task by index. */
  recordLatencies(tasks: number): Float64Array {
    this.latencies = new Float64Array(tasks).fill(NaN);
    return this.latencies;
  }

  /** Called after every task body from now on, with the count so far (zeroed now). */
  watch(watcher: (count: number) => void): void {
    this.count = 0;
    this.watcher = watcher;
  }

  hit(): void {
    if (this.taskCpuUs > 0) burn(this.taskCpuUs);
    this.count++;
    this.watcher?.(this.count);
    this.check();
  }

  started(index: number, sentAt: number): void {
    const startedAt = wallClock();
    if (this.latencies && index >= 0 && index < this.latencies.length && Number.isNaN(this.latencies[index])) {
      this.latencies[index] = startedAt - sentAt;
    }
    this.hit();
  }

  get done(): number {
    return this.count;
  }

  private check(): void {
    if (this.count >= this.target && this.onDone) {
      const done = this.onDone;
      this.onDone = undefined;
      done();
    }
  }
}

/**
 * Keeps the CPU busy until the process has used `us` more microseconds of it: the work of a
 * task that computes something (CPU time, not wall time, so that a process the machine
 * preempts still does the same work per task).
 */
function burn(us: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= us) return;
  }
}

/** The one probe of this child process. */
export const probe = new Probe();
