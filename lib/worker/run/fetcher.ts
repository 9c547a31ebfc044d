import type { Logger } from '@nestjs/common';
import type { MessageQueue, ReserveResult } from '../../broker/ports/message-queue';
import { shareSlots, type ResolvedWorkerOptions } from '../worker-options';
import type { JobSlots } from './job-slots';

/** The physical queues (shards) behind a consumed queue. */
export interface ShardLookup {
  of(queue: string): readonly string[];
}

/** Without sharding: every queue is its own only shard. */
const UNSHARDED: ShardLookup = { of: (queue) => [queue] };

const ERROR_PAUSE_MS = 1000;
const MAX_IDLE_WAIT_MS = 5000;

/**
 * The fetch loop: reserves as many messages as there are free slots, in one round
 * trip over the queues by weight, and waits on the queues (no polling) when none
 * came back, until a delayed message or a lease comes due.
 */
export class Fetcher {
  private rotation = 0;
  /** Per sharded queue, the shard the next slot offered to it goes to. */
  private readonly shardTurn = new Map<string, number>();
  private readonly wakeAt = new Map<string, number | null>();
  /** Queues whose reserve failed, by the time they are tried again. */
  private readonly failing = new Map<string, number>();

  constructor(
    private readonly queue: MessageQueue,
    private readonly options: ResolvedWorkerOptions,
    private readonly leaseMs: number,
    private readonly slots: JobSlots,
    /** Takes what a reserve brought back from `queue`: leased messages, and any it dead-lettered. */
    private readonly take: (queue: string, result: ReserveResult) => void,
    private readonly isRunning: () => boolean,
    private readonly logger: Logger,
    /** A promise to wait on while the worker cannot run tasks (its pool has no process); undefined when it can. */
    private readonly unavailable: () => Promise<void> | undefined = () => undefined,
    private readonly shards: ShardLookup = UNSHARDED,
  ) {}

  async run(): Promise<void> {
    while (this.isRunning()) {
      try {
        const blocked = this.unavailable();
        if (blocked) {
          // Leave the messages to workers that can run them.
          await blocked;
          continue;
        }
        const free = this.slots.free(this.options.prefetch);
        if (free <= 0) {
          await this.slots.untilFreed();
          // Let the tasks finishing in this turn finish too: one fetch for all their slots.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const got = await this.reserve(free);
        if (got === 0 && this.isRunning()) await this.idle();
      } catch (error) {
        if (!this.isRunning()) break;
        this.logger.warn(`Fetching failed, retrying in ${ERROR_PAUSE_MS} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }

  /**
   * Offers the free slots to the queues by weight, all in one round trip; slots a
   * queue could not fill are offered to the others. Who goes first rotates, one
   * rotation position per slot offered. A sharded queue hands its slots to its shards
   * in turn, so none starves. A queue whose reserve fails is left out for a while;
   * what the others leased is taken all the same.
   */
  private async reserve(free: number): Promise<number> {
    const { queues, rotation } = this.options;
    const cursor = this.rotation % rotation.length;
    const start = queues.indexOf(rotation[cursor]);
    const now = Date.now();
    const logicalOrder = queues.map((_, i) => queues[(start + i) % queues.length]);
    const shares = this.shardShares(shareSlots(free, rotation, cursor), logicalOrder);
    this.rotation = (cursor + free) % rotation.length;
    const order = logicalOrder.flatMap((queue) => this.shards.of(queue)).filter((queue) => (this.failing.get(queue) ?? 0) <= now);
    const asked = order.filter((queue) => (shares.get(queue) ?? 0) > 0);
    const results = await Promise.allSettled(asked.map((queue) => this.queue.reserve(queue, shares.get(queue)!, this.leaseMs)));
    let got = 0;
    const full: string[] = [];
    asked.forEach((queue, i) => {
      const result = results[i];
      if (result.status === 'rejected') return this.failed(queue, result.reason);
      this.failing.delete(queue);
      got += this.took(queue, result.value);
      if (result.value.messages.length === shares.get(queue)) full.push(queue);
    });
    for (const queue of order) {
      if (got >= free || !this.isRunning()) break;
      if (this.failing.has(queue) || (asked.includes(queue) && !full.includes(queue))) continue;
      try {
        const more = await this.queue.reserve(queue, free - got, this.leaseMs);
        got += this.took(queue, more);
      } catch (error) {
        this.failed(queue, error);
      }
    }
    return got;
  }

  /** Each queue's share of slots, split over its shards in turn (physical queue -> slots). */
  private shardShares(shares: Map<string, number>, order: readonly string[]): Map<string, number> {
    const physical = new Map<string, number>();
    for (const queue of order) {
      const share = shares.get(queue) ?? 0;
      if (share === 0) continue;
      const names = this.shards.of(queue);
      if (names.length === 1) {
        physical.set(names[0], share);
        continue;
      }
      const turn = this.shardTurn.get(queue) ?? 0;
      for (let i = 0; i < share; i++) {
        const name = names[(turn + i) % names.length];
        physical.set(name, (physical.get(name) ?? 0) + 1);
      }
      this.shardTurn.set(queue, (turn + share) % names.length);
    }
    return physical;
  }

  private failed(queue: string, error: unknown): void {
    this.failing.set(queue, Date.now() + ERROR_PAUSE_MS);
    this.logger.warn(`Reserving from queue ${queue} failed, trying it again in ${ERROR_PAUSE_MS} ms: ${(error as Error)?.message ?? String(error)}`);
  }

  /** Waits for work on the queues that answer, until the earliest due time or a failing queue's next try. */
  private async idle(): Promise<void> {
    const healthy = this.options.queues.flatMap((queue) => this.shards.of(queue)).filter((queue) => !this.failing.has(queue));
    if (healthy.length > 0) return this.queue.waitForWork(healthy, this.idleWait());
    await new Promise((resolve) => setTimeout(resolve, this.idleWait()));
  }

  private took(queue: string, result: ReserveResult): number {
    this.wakeAt.set(queue, result.wakeAt);
    this.take(queue, result);
    return result.messages.length;
  }

  private idleWait(): number {
    let soonest = Date.now() + MAX_IDLE_WAIT_MS;
    for (const at of this.wakeAt.values()) if (at !== null && at < soonest) soonest = at;
    for (const at of this.failing.values()) if (at < soonest) soonest = at;
    return Math.max(1, soonest - Date.now());
  }
}
