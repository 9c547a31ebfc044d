import { ResultTimeoutError, TaskFailedError, TaskRevokedError } from '../errors';
import type { Broker } from '../broker/ports/broker';
import type { ResultRecord } from '../serialization/result-record';
import { TaskState } from '../serialization/task-state';

/** The part of a broker that results are read from. */
export type ResultBackend = Pick<Broker, 'getResult' | 'waitForResult' | 'deleteResult'>;

/** Revokes a task by id; given by the client that made the result. */
export type Revoker = (id: string, options?: { terminate?: boolean }) => Promise<void>;

export interface GetOptions {
  /** Give up after this many ms with ResultTimeoutError. Default: wait as long as it takes. */
  timeout?: number;
}

/** A handle on a task's outcome, usable from any process that shares the broker. */
export class AsyncResult<T = unknown> {
  constructor(
    readonly id: string,
    private readonly backend: ResultBackend,
    private readonly revoker?: Revoker,
  ) {}

  /**
   * The task's return value. Rejects with TaskFailedError (remote name, message,
   * stack), TaskRevokedError, or ResultTimeoutError. Waits on a notification, not a poll.
   */
  async get(options: GetOptions = {}): Promise<T> {
    const record = await this.backend.waitForResult(this.id, options.timeout);
    if (!record) throw new ResultTimeoutError(this.id, options.timeout ?? Infinity);
    return unwrap<T>(record);
  }

  async state(): Promise<TaskState> {
    return (await this.backend.getResult(this.id))?.state ?? TaskState.PENDING;
  }

  /** The stored record (state, result or error, retries, times), or null while PENDING. */
  info(): Promise<ResultRecord | null> {
    return this.backend.getResult(this.id);
  }

  /** True once the task is SUCCESS, FAILURE or REVOKED. */
  async ready(): Promise<boolean> {
    const state = await this.state();
    return state === TaskState.SUCCESS || state === TaskState.FAILURE || state === TaskState.REVOKED;
  }

  /** Deletes the stored result. */
  forget(): Promise<void> {
    return this.backend.deleteResult(this.id);
  }

  /** Revokes the task: it never starts; with `terminate`, a running one has its signal aborted. */
  async revoke(options: { terminate?: boolean } = {}): Promise<void> {
    if (!this.revoker) throw new Error('This AsyncResult cannot revoke: get it from TaskClient');
    await this.revoker(this.id, options);
  }

  toJSON(): { id: string } {
    return { id: this.id };
  }
}

export function unwrap<T>(record: ResultRecord): T {
  switch (record.state) {
    case TaskState.SUCCESS:
      return record.result as T;
    case TaskState.FAILURE:
      throw new TaskFailedError(record.id, record.task, record.error ?? { name: 'Error', message: 'unknown failure' });
    case TaskState.REVOKED:
      throw new TaskRevokedError(record.id, record.reason ?? 'revoked');
    default:
      throw new Error(`Task ${record.id} is not ready (${record.state})`);
  }
}
