import type { BatchOptions } from '../../config/batch-options';
import type { Job } from './job';

interface Filling {
  readonly jobs: Job[];
  readonly timer: NodeJS.Timeout;
}

/**
 * Holds the messages of batch tasks while their batch fills, outside the job slots (so
 * other tasks keep running), one batch per task: a batch is formed when it has `size`
 * messages or `wait` ms after its first, and handed on. At most `size - 1` messages
 * of a task wait here; the lease keeper extends their leases.
 */
export class BatchCollector {
  private readonly filling = new Map<string, Filling>();

  constructor(
    /** Takes a formed batch: its first job stands for it, with every job in `batch`. */
    private readonly form: (lead: Job) => void,
  ) {}

  hold(job: Job, options: BatchOptions): void {
    const task = job.message.task;
    let filling = this.filling.get(task);
    if (!filling) {
      filling = { jobs: [], timer: setTimeout(() => this.flush(task), options.wait) };
      this.filling.set(task, filling);
    }
    filling.jobs.push(job);
    if (filling.jobs.length >= options.size) this.flush(task);
  }

  /** Every job held here. */
  held(): Job[] {
    return [...this.filling.values()].flatMap((filling) => filling.jobs);
  }

  /** Takes every job held here, in arrival order per task (the worker is stopping). */
  takeAll(): Job[] {
    const jobs = this.held();
    for (const filling of this.filling.values()) clearTimeout(filling.timer);
    this.filling.clear();
    return jobs;
  }

  private flush(task: string): void {
    const filling = this.filling.get(task);
    if (!filling) return;
    this.filling.delete(task);
    clearTimeout(filling.timer);
    const [lead] = filling.jobs;
    lead.batch = filling.jobs;
    this.form(lead);
  }
}
