import type { Logger } from '@nestjs/common';
import type { MessageQueue } from '../../broker/ports/message-queue';
import type { JobSlots } from './job-slots';

/** Extends the leases of every message this worker holds, every third of the lease. */
export class LeaseKeeper {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: MessageQueue,
    private readonly slots: JobSlots,
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
    const byQueue = new Map<string, string[]>();
    for (const job of this.slots.held()) {
      if (job.acked || job.released) continue;
      const list = byQueue.get(job.reserved.queue) ?? [];
      list.push(job.reserved.id);
      byQueue.set(job.reserved.queue, list);
    }
    for (const [queue, ids] of byQueue) {
      await this.queue
        .extendLeases(queue, ids, this.leaseMs)
        .catch((error: Error) => this.logger.warn(`Could not extend leases on ${queue}: ${error.message}`));
    }
  }
}
