import type { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ScheduleStore } from '../broker/ports/schedule-store';

/**
 * One instance's part in choosing the scheduler leader: a lease in the store, taken
 * when free and renewed by its holder. Leadership is assumed lost once the lease could
 * have run out without a renewal (Redis unreachable), whatever the store says later.
 */
export class LeaderElection {
  readonly token = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private leading = false;
  private validUntil = 0;

  constructor(
    private readonly store: ScheduleStore,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  get isLeader(): boolean {
    return this.leading && Date.now() < this.validUntil;
  }

  /** Acquires or renews the lease; true while this instance leads. Throws when the store cannot be reached. */
  async ensure(): Promise<boolean> {
    const askedAt = Date.now();
    try {
      const leads = await this.store.elect(this.token, this.leaseMs);
      this.validUntil = leads ? askedAt + this.leaseMs : 0;
      this.update(leads);
      return leads;
    } catch (error) {
      // The lease held so far still counts until it would have run out.
      this.update(this.isLeader);
      throw error;
    }
  }

  /** Gives the lease up so that another instance takes over without waiting for it to run out. */
  async resign(): Promise<void> {
    const wasLeading = this.leading;
    this.leading = false;
    this.validUntil = 0;
    if (wasLeading) {
      await this.store.resign(this.token);
      this.logger.log(`Scheduler ${this.token} gave up leadership`);
    }
  }

  private update(leads: boolean): void {
    if (leads && !this.leading) this.logger.log(`Scheduler ${this.token} is now the leader: it sends the periodic tasks`);
    if (!leads && this.leading) this.logger.warn(`Scheduler ${this.token} lost leadership`);
    this.leading = leads;
  }
}
