import type { RedisCommands } from '../redis-commands';
import { duplicateClient, type RedisClient } from '../redis-client';
import { groupBySlot } from './key-slot';

/** A BLPOP still pending this long after its own timeout is on a dead connection. */
const STALE_AFTER_MS = 5000;

type Pop = [key: string, token: string] | null;

/** One slot's wake lists: a blocking connection of its own with at most one BLPOP pending. */
class SlotWatch {
  private connection?: RedisClient;
  private pending?: Promise<void>;
  private startedAt = 0;
  /** Counts BLPOPs, so that one ended by reset() leaves the next one's state alone. */
  private generation = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly commands: RedisCommands,
    readonly keys: readonly string[],
    private readonly blockSeconds: string,
  ) {}

  /** Resolves when this slot's BLPOP ends (a token, its timeout or an error); call `release` when no longer listening. */
  listen(): { woken: Promise<void>; release: () => void } {
    let notify!: () => void;
    const woken = new Promise<void>((resolve) => (notify = resolve));
    this.listeners.add(notify);
    if (this.pending && Date.now() - this.startedAt > Number(this.blockSeconds) * 1000 + STALE_AFTER_MS) this.reset();
    this.pending ??= this.pop();
    return { woken, release: () => this.listeners.delete(notify) };
  }

  close(): void {
    this.reset();
    this.listeners.clear();
  }

  private async pop(): Promise<void> {
    this.startedAt = Date.now();
    const generation = ++this.generation;
    let popped: Pop = null;
    try {
      const connection = await this.connect();
      popped = (await connection.blpop(...this.keys, this.blockSeconds)) as Pop;
    } catch {
      // Ends the waits like a wake: the caller reserves, and its errors are reported there.
    }
    if (generation !== this.generation) return;
    this.pending = undefined;
    const listeners = [...this.listeners];
    this.listeners.clear();
    if (popped && listeners.length === 0) {
      // Taken after the wait that asked for it ended: give the token back for another worker.
      await this.commands.send((r) => r.rpush(popped[0], popped[1])).catch(() => undefined);
    }
    for (const notify of listeners) notify();
  }

  private async connect(): Promise<RedisClient> {
    if (!this.connection) {
      const connection = duplicateClient(this.commands.redis, { blocking: true });
      this.commands.watch(connection, 'blocking');
      this.connection = connection;
      await connection.connect();
    }
    return this.connection;
  }

  /** Drops the connection (a pending BLPOP on it fails) so that the next wait makes a new one. */
  private reset(): void {
    const connection = this.connection;
    this.connection = undefined;
    this.pending = undefined;
    this.generation++;
    connection?.disconnect();
  }
}

/**
 * Waits for work on a Redis Cluster. The queues' wake lists lie in different slots, and
 * one BLPOP names keys of one slot only: each slot gets a blocking connection (a Cluster
 * connection of its own, which follows MOVED and failovers) with one BLPOP pending, and a
 * wait races them. A BLPOP that outlives its wait stays pending for the next one; a
 * token it takes while nobody listens is pushed back, so that another worker is woken.
 */
export class ClusterWakeWaiter {
  private readonly watches = new Map<string, SlotWatch>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly blockSeconds: string,
  ) {}

  /** Resolves when a wake list of `keys` had a token, or `until` resolves first. */
  async wait(keys: readonly string[], until: Promise<unknown>): Promise<void> {
    const listening = groupBySlot([...new Set(keys)], (key) => key).map((group) => this.watch(group).listen());
    try {
      await Promise.race([until, ...listening.map((listen) => listen.woken)]);
    } finally {
      for (const listen of listening) listen.release();
    }
  }

  close(): void {
    for (const watch of this.watches.values()) watch.close();
    this.watches.clear();
  }

  private watch(keys: string[]): SlotWatch {
    const id = [...keys].sort().join('\n');
    let watch = this.watches.get(id);
    if (!watch) this.watches.set(id, (watch = new SlotWatch(this.commands, keys, this.blockSeconds)));
    return watch;
  }
}
