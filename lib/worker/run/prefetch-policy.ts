/** A task that has run this long, or recent runs that averaged this long, no longer count as short, ms. */
export const SHORT_TASK_MS = 10;
/** Jobs held beyond the slots go back to the queue once the longest-running task has run this long, ms. */
export const GIVE_BACK_AFTER_MS = 1000;

/** Messages one fetch brings per slot while tasks run short (twice Celery's default multiplier: fewer script calls per task, docs/benchmarks.md round fourteen). */
export const SHORT_TASK_PREFETCH = 8;

/**
 * How many messages a worker holds, running or waiting, and asks for in one fetch. Given
 * `prefetch`, that many for both. Without it, `concurrency` while tasks run long; while they
 * run short, a fetch asks for SHORT_TASK_PREFETCH times `concurrency`, and the worker holds
 * up to twice that: the next fetch leaves as soon as one arrives, so Redis leases the next
 * batch while this one runs (no lockstep of run, then fetch), and a fetch and its settles
 * carry many messages per script call (docs/benchmarks.md). A message held beyond the slots
 * waits for at most 2 x SHORT_TASK_PREFETCH runs of its slot: under a millisecond each for
 * the tasks this pays off for, under SHORT_TASK_MS by definition.
 * As soon as a running task passes SHORT_TASK_MS, the worker fetches no more than its
 * slots, and once one has run GIVE_BACK_AFTER_MS, JobSlots gives back what waits beyond them
 * (another worker may be idle).
 */
export class PrefetchPolicy {
  /** Recent runtimes, smoothed; a worker counts as running long tasks until one ran short. */
  private averageMs = SHORT_TASK_MS;

  constructor(
    private readonly concurrency: number,
    private readonly fixed?: number,
  ) {}

  get adaptive(): boolean {
    return this.fixed === undefined;
  }

  /** Notes how long a task ran, ms. */
  observe(runtimeMs: number): void {
    this.averageMs += (runtimeMs - this.averageMs) / 8;
  }

  /**
   * Messages the next fetch may ask for, with `held` held now (running or waiting), given
   * when the longest-running task started (undefined: none runs).
   */
  fetchSize(held: number, longestRunningSince: number | undefined, now: number): number {
    if (this.fixed !== undefined) return this.fixed - held;
    if (!this.short(longestRunningSince, now)) return this.concurrency - held;
    // One fetch in hand and the next on its way.
    const batch = SHORT_TASK_PREFETCH * this.concurrency;
    return Math.min(2 * batch - held, batch);
  }

  /** Whether recent runs, and the one running longest now, are short. */
  short(longestRunningSince: number | undefined, now: number): boolean {
    return this.averageMs < SHORT_TASK_MS && (longestRunningSince === undefined || now - longestRunningSince < SHORT_TASK_MS);
  }

  /** Whether jobs held beyond the slots should go back: the task running longest has run GIVE_BACK_AFTER_MS. */
  holdsTooLong(longestRunningSince: number | undefined, now: number): boolean {
    return this.fixed === undefined && longestRunningSince !== undefined && now - longestRunningSince >= GIVE_BACK_AFTER_MS;
  }
}
