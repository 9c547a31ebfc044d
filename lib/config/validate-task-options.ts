import { TaskConfigError } from '../errors';
import { validateDebounceTaskOptions } from './validate-debounce';
import { parseRate } from '../utils/rate-limit';
import { assertBoolean, assertDuration, assertInteger, assertQueueName } from '../utils/validate';
import { MAX_CONCURRENCY_LIMIT } from '../constants';
import { assertCombinable } from './assert-combinable';
import type { TaskOptions } from './task-options.interface';
import { validateBatchOptions } from './validate-batch-options';

/** Throws TaskConfigError for the first invalid option; `where` prefixes the option name. */
export function validateTaskOptions(options: TaskOptions, where: string): void {
  if (options === null || typeof options !== 'object') {
    throw new TaskConfigError(where, options, 'an options object');
  }
  const at = (key: string) => `${where}.${key}`;
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name.trim() === '')) {
    throw new TaskConfigError(at('name'), options.name, 'a non-empty string');
  }
  assertQueueName(at('queue'), options.queue);
  assertInteger(at('priority'), options.priority, 0, 9);
  assertInteger(at('maxRetries'), options.maxRetries, 0);
  assertDuration(at('retryDelay'), options.retryDelay);
  assertDuration(at('retryBackoffMax'), options.retryBackoffMax);
  assertDuration(at('softTimeLimit'), options.softTimeLimit, 1);
  assertDuration(at('timeLimit'), options.timeLimit, 1);
  assertDuration(at('resultExpires'), options.resultExpires, 1);
  assertBoolean(at('retryBackoff'), options.retryBackoff);
  assertBoolean(at('retryJitter'), options.retryJitter);
  assertBoolean(at('acksLate'), options.acksLate);
  assertBoolean(at('rejectOnWorkerLost'), options.rejectOnWorkerLost);
  assertBoolean(at('ignoreResult'), options.ignoreResult);
  assertBoolean(at('kwargs'), options.kwargs);
  for (const key of ['autoretryFor', 'dontAutoretryFor'] as const) {
    const list = options[key];
    if (list !== undefined && (!Array.isArray(list) || list.some((c) => typeof c !== 'function'))) {
      throw new TaskConfigError(at(key), list, 'an array of error classes');
    }
  }
  if (options.rateLimit !== undefined) parseRate(options.rateLimit, at('rateLimit'));
  if (options.unique !== undefined) {
    if (options.unique === null || typeof options.unique !== 'object' || typeof options.unique.key !== 'function') {
      throw new TaskConfigError(at('unique'), options.unique, '{ key: (...args) => string, ttl? }');
    }
    assertDuration(at('unique.ttl'), options.unique.ttl, 1);
  }
  if (options.concurrency !== undefined) {
    const concurrency = options.concurrency;
    if (concurrency === null || typeof concurrency !== 'object' || (concurrency.key !== undefined && typeof concurrency.key !== 'function')) {
      throw new TaskConfigError(at('concurrency'), concurrency, '{ limit, key?: (...args) => string }');
    }
    assertInteger(at('concurrency.limit'), concurrency.limit, 1, MAX_CONCURRENCY_LIMIT);
    if (concurrency.limit === undefined) throw new TaskConfigError(at('concurrency.limit'), undefined, `an integer from 1 to ${MAX_CONCURRENCY_LIMIT}`);
  }
  assertCombinable(options, where);
  if (
    options.softTimeLimit !== undefined &&
    options.timeLimit !== undefined &&
    options.softTimeLimit >= options.timeLimit
  ) {
    throw new TaskConfigError(at('softTimeLimit'), options.softTimeLimit, `less than timeLimit (${options.timeLimit})`);
  }
  validateBatchOptions(options as TaskOptions & Record<string, unknown>, where);
  validateDebounceTaskOptions(options.debounce, at('debounce'));
  if (options.debounce !== undefined && options.unique !== undefined) {
    throw new TaskConfigError(at('debounce'), options.debounce, 'no debounce on a unique task (choose one)');
  }
}
