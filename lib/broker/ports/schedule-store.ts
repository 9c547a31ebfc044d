import type { PendingFire, ScheduleState } from '../../config/schedules/schedule-definition';

/** A schedule's state as stored, with its raw form for compare-and-set. */
export interface StoredState {
  readonly raw: string;
  /** Null when the stored value cannot be read (it is then overwritten). */
  readonly value: ScheduleState | null;
}

/** What a claim did: sent ticks are now pending, or nothing changed and why. */
export type ClaimResult = 'claimed' | 'not-leader' | 'stale';

/** Runtime (dynamic) schedules and the enable/disable switches of every schedule. */
export interface StoredDefinitions {
  /** Name → the stored entry (JSON), as `add()` wrote it. */
  readonly entries: ReadonlyMap<string, string>;
  /** Name → enabled, set by `enable()` / `disable()`; overrides the declared value. */
  readonly switches: ReadonlyMap<string, boolean>;
}

/**
 * Where the scheduler keeps what must survive a restart and be shared by every
 * instance: the leader lease, runtime schedules, each schedule's next and last
 * tick, and ticks claimed but not yet confirmed as sent.
 */
export interface ScheduleStore {
  /** Where the state lives, for the start-up log. */
  readonly description: string;
  /** Acquires the lease if free, renews it if `token` holds it; true while `token` is the leader. */
  elect(token: string, leaseMs: number): Promise<boolean>;
  /** Gives the lease up if `token` holds it, so another instance takes over at once. */
  resign(token: string): Promise<void>;

  /** Grows on every change to runtime schedules or switches. */
  version(): Promise<number>;
  definitions(): Promise<StoredDefinitions>;
  /** Stores (or replaces) a runtime schedule; clears its switch. */
  save(name: string, entry: string): Promise<void>;
  /** Removes a runtime schedule with its switch and state; false if there was none. */
  remove(name: string): Promise<boolean>;
  setEnabled(name: string, enabled: boolean): Promise<void>;

  states(): Promise<Map<string, StoredState>>;
  /**
   * If `token` leads and the schedule's stored state is still `expected` (null: none),
   * stores `state` and records `fires` as pending, in one step.
   */
  claim(token: string, name: string, expected: string | null, state: ScheduleState, fires: PendingFire[]): Promise<ClaimResult>;
  /** Ticks claimed and not yet confirmed. */
  pending(): Promise<PendingFire[]>;
  /** Confirms ticks as sent (the leader after publishing; a worker when one starts). */
  confirm(ids: string[]): Promise<void>;
}
