import type { Logger } from '@nestjs/common';
import type { MessageQueue, ReservedMessage, ReserveResult } from '../../broker/ports/message-queue';
import { shareSlots, type ResolvedWorkerOptions } from '../worker-options';
import type { JobSlots } from './job-slots';

/** The physical queues (shards) behind a consumed queue. */
export interface ShardLookup {
  of(queue: string): readonly string[];
}

/** What one fetch brought back from all its queues. */
export type Fetched = Pick<ReserveResult, 'messages' | 'dead'>;

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
  /** Per sharded queue, the shard the next fetch asks first. */
  private readonly shardTurn = new Map<string, number>();
  private readonly wakeAt = new Map<string, number | null>();
  /** Queues whose reserve failed, by the time they are tried again. */
  private readonly failing = new Map<string, number>();

  constructor(
    private readonly queue: MessageQueue,
    private readonly options: ResolvedWorkerOptions,
    private readonly leaseMs: number,
    private readonly slots: JobSlots,
    /** Takes what a fetch brought back: leased messages, in the order their slots should start them, and any it dead-lettered. */
    private readonly take: (fetched: Fetched) => void,
    private readonly isRunning: () => boolean,
    private readonly logger: Logger,
    /** A promise to wait on while the worker cannot run tasks (its pool has no process); undefined when it can. */
    private readonly unavailable: () => Promise<void> | undefined = () => undefined,
    private readonly shards: ShardLookup = UNSHARDED,
    /** Called just before a fetch leaves: writes the settles it must not overtake (SettleBuffer.sendBeforeFetch). */
    private readonly beforeReserve: () => void = () => undefined,
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
        const free = this.slots.free();
        if (free <= 0) {
          await this.slots.untilFreed();
          // Let the tasks finishing in this turn finish too: one fetch for all their slots.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        this.beforeReserve();
        const { got, drained } = await this.reserve(free);
        // Fewer than asked from queues that wake their waiters: asking again now would find none.
        if ((got === 0 || drained) && this.isRunning()) await this.idle();
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
   * rotation position per slot offered. A sharded queue offers its share to one shard,
   * the next in turn at each fetch (a fetch's acknowledgements and results then stay in
   * one slot), and what that shard could not fill to its other shards at once. A queue
   * whose reserve fails is left out for a while; what the others leased is taken all
   * the same. Everything fetched is taken together, so the job slots start the higher
   * priorities of the whole fetch first, and within a priority the queues' messages take
   * turns by weight (a fetch of many per slot would otherwise run one queue's share, then
   * the next one's).
   */
  private async reserve(free: number): Promise<{ got: number; drained: boolean }> {
    const { queues, rotation } = this.options;
    const cursor = this.rotation % rotation.length;
    const start = queues.indexOf(rotation[cursor]);
    const now = Date.now();
    const logicalOrder = queues.map((_, i) => queues[(start + i) % queues.length]);
    const shares = shareSlots(free, rotation, cursor);
    this.rotation = (cursor + free) % rotation.length;
    const healthy = (queue: string) => this.shards.of(queue).filter((name) => (this.failing.get(name) ?? 0) <= now);
    const fetched: Array<[string, ReserveResult]> = [];
    const first = new Map<string, number>();
    for (const queue of logicalOrder) {
      const share = shares.get(queue) ?? 0;
      const names = healthy(queue);
      if (share > 0 && names.length > 0) first.set(this.nextShard(queue, names), share);
    }
    let got = 0;
    const full = new Set<string>();
    const asked = new Set<string>();
    const drainedBy = new Map<string, boolean>();
    const ask = async (shares: ReadonlyMap<string, number>) => {
      for (const [name, n] of shares) if (n > 0) asked.add(name);
      const answered = await this.reserveAll(shares);
      for (const [name, result] of answered) drainedBy.set(name, result.drained === true);
      return answered;
    };
    for (const [queue, result] of await ask(first)) {
      fetched.push([queue, result]);
      got += result.messages.length;
      if (result.messages.length === first.get(queue)) full.add(queue);
    }
    for (const queue of logicalOrder) {
      if (got >= free || !this.isRunning()) break;
      const candidates = healthy(queue).filter((name) => !this.failing.has(name) && (!first.has(name) || full.has(name)));
      if (candidates.length === 0) continue;
      for (const [name, result] of await ask(this.split(queue, candidates, free - got))) {
        fetched.push([name, result]);
        got += result.messages.length;
      }
    }
    for (const [queue, result] of fetched) this.wakeAt.set(queue, result.wakeAt);
    // Which queue a shard belongs to is only needed when several queues brought messages.
    let logicalOf: Map<string, string> | undefined;
    const logical = (name: string): string => {
      logicalOf ??= new Map(logicalOrder.flatMap((queue) => this.shards.of(queue).map((shard): [string, string] => [shard, queue])));
      return logicalOf.get(name) ?? name;
    };
    this.take(takingTurns(fetched, logical, rotation, cursor));
    // Every queue asked answered, each left nothing ready, and each wakes its waiters.
    const drained = got < free && asked.size > 0 && [...asked].every((name) => drainedBy.get(name) === true);
    return { got, drained };
  }

  /** Reserves from each queue its share, in parallel; the results of those that answered. */
  private async reserveAll(shares: ReadonlyMap<string, number>): Promise<Array<[string, ReserveResult]>> {
    const asked = [...shares].filter(([, n]) => n > 0);
    const results = await Promise.allSettled(asked.map(([queue, n]) => this.queue.reserve(queue, n, this.leaseMs)));
    const answered: Array<[string, ReserveResult]> = [];
    asked.forEach(([queue], i) => {
      const result = results[i];
      if (result.status === 'rejected') return this.failed(queue, result.reason);
      this.failing.delete(queue);
      answered.push([queue, result.value]);
    });
    return answered;
  }

  /** The shard of `queue` whose turn it is. */
  private nextShard(queue: string, names: readonly string[]): string {
    if (names.length === 1) return names[0];
    const turn = this.shardTurn.get(queue) ?? 0;
    this.shardTurn.set(queue, (turn + 1) % names.length);
    return names[turn % names.length];
  }

  /** `slots` spread over `names` in turn, from the shard after the one asked first. */
  private split(queue: string, names: readonly string[], slots: number): Map<string, number> {
    const split = new Map<string, number>();
    const turn = this.shardTurn.get(queue) ?? 0;
    for (let i = 0; i < slots; i++) {
      const name = names[(turn + i) % names.length];
      split.set(name, (split.get(name) ?? 0) + 1);
    }
    return split;
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

  private idleWait(): number {
    let soonest = Date.now() + MAX_IDLE_WAIT_MS;
    for (const at of this.wakeAt.values()) if (at !== null && at < soonest) soonest = at;
    for (const at of this.failing.values()) if (at < soonest) soonest = at;
    return Math.max(1, soonest - Date.now());
  }
}

/**
 * The messages of one fetch in the order the weighted rotation gives their queues, from
 * `cursor` on: each position takes the next message of its queue (the shards of a queue
 * one after another), and a queue that has none left gives its turn away.
 */
export function takingTurns(
  fetched: ReadonlyArray<readonly [string, ReserveResult]>,
  logicalOf: (name: string) => string,
  rotation: readonly string[],
  cursor: number,
): Fetched {
  const dead = fetched.flatMap(([, result]) => result.dead);
  const withMessages = fetched.filter(([, result]) => result.messages.length > 0);
  if (withMessages.length <= 1) return { messages: withMessages[0]?.[1].messages ?? [], dead };
  const lines = new Map<string, ReservedMessage[]>();
  const inRotation = new Set(rotation);
  const rest: ReservedMessage[] = [];
  for (const [name, result] of withMessages) {
    const queue = logicalOf(name);
    if (!inRotation.has(queue)) {
      rest.push(...result.messages);
      continue;
    }
    const line = lines.get(queue);
    if (line) line.push(...result.messages);
    else lines.set(queue, [...result.messages]);
  }
  const next = new Map<string, number>();
  const messages: ReservedMessage[] = [];
  for (let turn = cursor, left = lines.size; left > 0; turn++) {
    const queue = rotation[turn % rotation.length];
    const line = lines.get(queue);
    if (!line) continue;
    const at = next.get(queue) ?? 0;
    messages.push(line[at]);
    next.set(queue, at + 1);
    if (at + 1 === line.length) {
      lines.delete(queue);
      left--;
    }
  }
  messages.push(...rest);
  return { messages, dead };
}
