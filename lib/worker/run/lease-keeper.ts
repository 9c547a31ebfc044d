import type { Logger } from '@nestjs/common';
import type { HeldLease, MessageQueue } from '../../broker/ports/message-queue';
import type { Job } from './job';

/** Extends the leases of every message this worker holds, every third of the lease. */
export class LeaseKeeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: MessageQueue,
    /** Every job the worker holds: in its slots, and filling batches. */
    private readonly held: () => Job[],
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.extend(), Math.max(250, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async extend(): Promise<void> {
    const byQueue = new Map<string, HeldLease[]>();
    for (const job of this.held()) {
      if (job.acked || job.released) continue;
      const list = byQueue.get(job.reserved.queue) ?? [];
      list.push({ id: job.reserved.id, lease: job.reserved.lease });
      byQueue.set(job.reserved.queue, list);
    }
    for (const [queue, leases] of byQueue) {
      await this.queue
        .extendLeases(queue, leases, this.leaseMs)
        .catch((error: Error) => this.logger.warn(`Could not extend leases on ${queue}: ${error.message}`));
    }
  }
}
