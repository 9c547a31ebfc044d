import { TaskFailedError, TaskRevokedError } from '../errors';
import type { AsyncResult } from '../results/async-result';
import { isReadyState, TaskState } from '../serialization/task-state';

/** One member's outcome, from `GroupResult.get({ propagate: false })`. */
export type GroupItemOutcome<T> =
  | { id: string; status: 'fulfilled'; value: T }
  | { id: string; status: 'rejected'; reason: TaskFailedError | TaskRevokedError };

/** Per-member outcomes, in order. */
export type GroupOutcomes<T extends readonly unknown[]> = { -readonly [K in keyof T]: GroupItemOutcome<T[K]> };

export interface GroupGetOptions {
  /** Give up after this many ms (ResultTimeoutError). Default: wait as long as it takes. */
  timeout?: number;
  /** false: resolve with every member's outcome instead of rejecting on the first failure. Default true. */
  propagate?: boolean;
}

/** The results of a group's members, in order. Waiting uses the broker's notifications, not polling. */
export class GroupResult<T extends readonly unknown[] = unknown[]> {
  constructor(
    readonly id: string,
    readonly results: ReadonlyArray<AsyncResult<unknown>>,
  ) {}

  /** The members' values in order; rejects with the first failure to arrive (TaskFailedError or TaskRevokedError). */
  get(options?: { timeout?: number; propagate?: true }): Promise<T>;
  /** Every member's outcome in order; rejects only on timeout. */
  get(options: { timeout?: number; propagate: false }): Promise<GroupOutcomes<T>>;
  async get(options: GroupGetOptions = {}): Promise<T | GroupOutcomes<T>> {
    const { timeout } = options;
    if (options.propagate !== false) {
      return (await Promise.all(this.results.map((result) => result.get({ timeout })))) as unknown as T;
    }
    const outcomes = await Promise.all(
      this.results.map((result) =>
        result.get({ timeout }).then(
          (value): GroupItemOutcome<unknown> => ({ id: result.id, status: 'fulfilled', value }),
          (reason: unknown): GroupItemOutcome<unknown> => {
            if (reason instanceof TaskFailedError || reason instanceof TaskRevokedError) return { id: result.id, status: 'rejected', reason };
            throw reason;
          },
        ),
      ),
    );
    return outcomes as unknown as GroupOutcomes<T>;
  }

  /** How many members succeeded (Celery's completed_count). */
  async completed(): Promise<number> {
    const states = await this.states();
    return states.filter((state) => state === TaskState.SUCCESS).length;
  }

  /** True once every member is SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    return (await this.states()).every((state) => isReadyState(state));
  }

  /** True when every member succeeded. */
  async successful(): Promise<boolean> {
    return (await this.states()).every((state) => state === TaskState.SUCCESS);
  }

  /** True when any member failed or was revoked. */
  async failed(): Promise<boolean> {
    return (await this.states()).some((state) => state === TaskState.FAILURE || state === TaskState.REVOKED);
  }

  /** Each member's state, in order. */
  states(): Promise<TaskState[]> {
    return Promise.all(this.results.map((result) => result.state()));
  }

  /** Revokes every member. */
  async revoke(options: { terminate?: boolean } = {}): Promise<void> {
    await Promise.all(this.results.map((result) => result.revoke(options)));
  }

  /** Deletes every member's stored result. */
  async forget(): Promise<void> {
    await Promise.all(this.results.map((result) => result.forget()));
  }

  toJSON(): { id: string; results: string[] } {
    return { id: this.id, results: this.results.map((result) => result.id) };
  }
}
