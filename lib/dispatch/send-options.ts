import { MAX_CONCURRENCY_KEY_LENGTH, MAX_CONCURRENCY_LIMIT } from '../constants';
import { TaskConfigError } from '../errors';
import type { DebounceOptions } from '../config/debounce-options';
import { validateDebounceCallOptions } from '../config/validate-debounce';
import { assertBoolean, assertDuration, assertInteger, assertQueueName, toTimestamp } from '../utils/validate';

/** Per-call options of a message: everything of `applyAsync` but its workflow callbacks. */
export interface SendOptions {
  /** Run no sooner than this many ms from now. */
  countdown?: number;
  /** Run no sooner than this time (Date or ms timestamp). */
  eta?: Date | number;
  /** Revoke if not started by then: ms from now, or a Date. */
  expires?: number | Date;
  /** Overrides routes and the task's queue. */
  queue?: string;
  /** 0 to 9; higher runs first within a queue. */
  priority?: number;
  /** Use this id instead of a random one; a second enqueue with the same id is a no-op while the first is queued. */
  taskId?: string;
  /** Overrides the task's maxRetries for this call. */
  maxRetries?: number;
  /** Overrides the task's ignoreResult for this call. */
  ignoreResult?: boolean;
  /** Overrides how long the result is kept, ms. */
  resultExpires?: number;
  /** While a task with this key is queued or running, return it instead of enqueueing another. */
  uniqueKey?: string;
  /** Longest life of the unique lock, ms. Default: the task's unique.ttl, else 1 hour. */
  uniqueTtl?: number;
  /**
   * Sharded queues: messages with the same key go to the same shard, so they keep their
   * order. Default: round robin (a unique task goes by its unique key).
   */
  shardKey?: string;
  /**
   * Concurrency key of this call (overrides the task's `concurrency.key`): at most the
   * limit of tasks with this key run at a time. On a sharded queue it also picks the shard.
   */
  concurrencyKey?: string;
  /** The limit for `concurrencyKey`, for producers without the task's class. Default: the task's `concurrency.limit`. */
  concurrencyLimit?: number;
  /**
   * Collapse calls of this task with the same key within `delay` into one run, `delay`
   * after the last call, with its arguments; every caller gets that run's id.
   */
  debounce?: DebounceOptions;
}

export function validateSendOptions(options: SendOptions): void {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('options', options, 'an options object');
  assertDuration('countdown', options.countdown);
  if (options.countdown !== undefined && options.eta !== undefined) {
    throw new TaskConfigError('eta', options.eta, 'either countdown or eta, not both');
  }
  toTimestamp('eta', options.eta);
  if (!(options.expires instanceof Date)) assertDuration('expires', options.expires);
  else toTimestamp('expires', options.expires);
  assertQueueName('queue', options.queue);
  assertInteger('priority', options.priority, 0, 9);
  assertInteger('maxRetries', options.maxRetries, 0);
  assertBoolean('ignoreResult', options.ignoreResult);
  assertDuration('resultExpires', options.resultExpires, 1);
  if (options.uniqueKey !== undefined && (typeof options.uniqueKey !== 'string' || options.uniqueKey === '' || options.uniqueKey.length > 500)) {
    throw new TaskConfigError('uniqueKey', options.uniqueKey, 'a non-empty string of at most 500 characters');
  }
  assertDuration('uniqueTtl', options.uniqueTtl, 1);
  if (options.shardKey !== undefined && (typeof options.shardKey !== 'string' || options.shardKey === '' || options.shardKey.length > 500)) {
    throw new TaskConfigError('shardKey', options.shardKey, 'a non-empty string of at most 500 characters');
  }
  if (options.concurrencyKey !== undefined && (typeof options.concurrencyKey !== 'string' || options.concurrencyKey === '' || options.concurrencyKey.length > MAX_CONCURRENCY_KEY_LENGTH)) {
    throw new TaskConfigError('concurrencyKey', options.concurrencyKey, `a non-empty string of at most ${MAX_CONCURRENCY_KEY_LENGTH} characters`);
  }
  assertInteger('concurrencyLimit', options.concurrencyLimit, 1, MAX_CONCURRENCY_LIMIT);
  if (options.taskId !== undefined && (typeof options.taskId !== 'string' || options.taskId === '' || options.taskId.length > 200)) {
    throw new TaskConfigError('taskId', options.taskId, 'a non-empty string of at most 200 characters');
  }
  validateDebounceCallOptions(options.debounce);
}
