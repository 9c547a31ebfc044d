/** A task that has run this long, or recent runs that averaged this long, no longer count as short, ms. */
export const SHORT_TASK_MS = 10;
/** Jobs held beyond the slots go back to the queue once the longest-running task has run this long, ms. */
export const GIVE_BACK_AFTER_MS = 1000;

/**
 * How many messages a worker holds, running or waiting. Given `prefetch`, that many.
 * Without it, `concurrency` while tasks run long and twice that while they run short: the
 * next messages are then in hand while a fetch travels (a backlog of short tasks drains
 * a tenth to a fifth faster), and a message held beyond the slots waits a few milliseconds at
 * most. As soon as a running task passes SHORT_TASK_MS, the worker fetches no more than its
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

  /** Messages to hold, given when the longest-running task started (undefined: none runs). */
  limit(longestRunningSince: number | undefined, now: number): number {
    if (this.fixed !== undefined) return this.fixed;
    return this.short(longestRunningSince, now) ? 2 * this.concurrency : this.concurrency;
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
