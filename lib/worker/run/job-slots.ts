import type { Job } from './job';
import { GIVE_BACK_AFTER_MS, type PrefetchPolicy } from './prefetch-policy';

/**
 * The jobs a worker holds: running, starting (a slot is theirs, they start a few per
 * event-loop turn) and waiting (prefetched beyond concurrency). Starts a fetch's jobs
 * half at a time, one turn each, so the acknowledgements of the first half and the
 * fetch for their slots travel to Redis while the second half runs.
 */
export class JobSlots {
  readonly running = new Set<Job>();
  private readonly starting: Job[] = [];
  private readonly waiting: Job[] = [];
  private startScheduled = false;
  private freed?: () => void;
  /** Armed while jobs wait beyond the slots under the adaptive prefetch. */
  private watch?: NodeJS.Timeout;

  constructor(
    private readonly concurrency: number,
    private readonly prefetch: PrefetchPolicy,
    /** Runs a job in its slot and logs its own errors; a promise until the job is settled, nothing when it settled at once. */
    private readonly run: (job: Job) => Promise<void> | void,
    /** Gives a job back without running it (the worker is stopping, or it held the job too long under the adaptive prefetch). */
    private readonly giveBack: (job: Job) => void,
    private readonly isRunning: () => boolean,
  ) {}

  /** Jobs held but not running. */
  get queued(): number {
    return this.starting.length + this.waiting.length;
  }

  /** Messages the next fetch may ask for: the prefetch policy's batch, within its limit held in all. */
  free(): number {
    return this.prefetch.fetchSize(this.running.size + this.queued, this.longestRunningSince(), Date.now());
  }

  /** When the job running longest started (jobs start in order); undefined when none has started. */
  private longestRunningSince(): number | undefined {
    for (const job of this.running) return job.startedAt > 0 ? job.startedAt : undefined;
    return undefined;
  }

  /**
   * Takes a job: into a slot if one is free, else into the waiting line. Returns false
   * when it waits. Both lines keep higher priorities first (jobs of one fetch may come
   * from several queues or shards), and the order of arrival within a priority.
   */
  offer(job: Job): boolean {
    if (this.running.size + this.starting.length < this.concurrency) {
      byPriority(this.starting, job);
      this.scheduleStart();
      return true;
    }
    const last = this.starting[this.starting.length - 1];
    if (last && (last.message.priority ?? 0) < (job.message.priority ?? 0)) {
      // Not started yet: a higher priority of the same fetch takes its slot.
      this.starting.pop();
      byPriority(this.waiting, last);
      byPriority(this.starting, job);
      return true;
    }
    byPriority(this.waiting, job);
    this.watchWaiting();
    return false;
  }

  /**
   * Under the adaptive prefetch, jobs wait beyond the slots while tasks run short; once the
   * longest-running task has run GIVE_BACK_AFTER_MS, what waits goes back to the queue,
   * where an idle worker can take it.
   */
  private watchWaiting(): void {
    if (this.watch || !this.prefetch.adaptive) return;
    this.watch = setTimeout(() => {
      this.watch = undefined;
      if (this.waiting.length === 0) return;
      if (!this.prefetch.holdsTooLong(this.longestRunningSince(), Date.now())) return this.watchWaiting();
      // The last first: each goes to the front of the queue, so they keep their order there.
      for (const job of this.waiting.splice(0).reverse()) this.giveBack(job);
    }, GIVE_BACK_AFTER_MS);
    this.watch.unref();
  }

  /** Resolves when a slot frees up (or `wake()` is called). */
  untilFreed(): Promise<void> {
    return new Promise<void>((resolve) => (this.freed = resolve));
  }

  /** Ends an `untilFreed()` wait now. */
  wake(): void {
    this.freed?.();
    this.freed = undefined;
  }

  /** Every job held, running or not (each job of a batch). */
  held(): Job[] {
    return [...this.running, ...this.starting, ...this.waiting].flatMap((job) => job.batch ?? [job]);
  }

  /** What is held but not running, by state. */
  queuedJobs(): Job[] {
    return [...this.starting, ...this.waiting];
  }

  /** Takes every job not yet running out of the slots. */
  takeQueued(): Job[] {
    return [...this.starting.splice(0), ...this.waiting.splice(0)];
  }

  /** Starts `job`, and each job its slot passes to while they settle at once (a loop, not recursion). */
  private start(job: Job): void {
    for (let next: Job | undefined = job; next; ) {
      const current: Job = next;
      this.running.add(current);
      const settled = this.run(current);
      if (settled) {
        const done = () => {
          const after = this.done(current);
          if (after) this.start(after);
        };
        settled.then(done, done);
        return;
      }
      next = this.done(current);
    }
  }

  /** Frees `job`'s slot; returns the job that takes it, for the caller to start. */
  private done(job: Job): Job | undefined {
    this.running.delete(job);
    if (job.startedAt > 0) this.prefetch.observe(Date.now() - job.startedAt);
    const next = this.waiting.shift();
    this.wake();
    if (!next) return undefined;
    if (!this.isRunning()) {
      this.giveBack(next);
      return undefined;
    }
    if (this.starting.length === 0) return next;
    // The freed slot goes to the job whose turn it is: the first still starting (it came
    // before any that wait); the waiting one joins the end of the starting line.
    this.starting.push(next);
    return this.starting.shift();
  }

  private scheduleStart(): void {
    if (this.startScheduled) return;
    this.startScheduled = true;
    // Started from a microtask: the settle flush (a nextTick) then waits for the tasks that
    // finish at once, and their STARTED and SUCCESS records travel as one write.
    setImmediate(() =>
      queueMicrotask(() => {
        this.startScheduled = false;
        const chunk = Math.ceil(this.concurrency / 2);
        for (let n = 0; n < chunk && this.starting.length > 0; n++) {
          const job = this.starting.shift()!;
          if (this.isRunning()) this.start(job);
          else this.giveBack(job);
        }
        if (this.starting.length > 0) this.scheduleStart();
      }),
    );
  }
}

/** Inserts `job` after every job of its priority or higher. */
function byPriority(line: Job[], job: Job): void {
  const priority = job.message.priority ?? 0;
  if (line.length === 0 || (line[line.length - 1].message.priority ?? 0) >= priority) {
    line.push(job);
    return;
  }
  const at = line.findIndex((other) => (other.message.priority ?? 0) < priority);
  line.splice(at, 0, job);
}
