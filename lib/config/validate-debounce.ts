import { TaskConfigError } from '../errors';
import { MAX_DEBOUNCE_KEY_LENGTH } from './debounce-options';

/** `delay` a positive duration, `maxWait` absent or at least `delay`. */
function assertTiming(where: string, delay: unknown, maxWait: unknown, delayRequired: boolean): void {
  if (delay === undefined && !delayRequired) {
    if (maxWait !== undefined && (typeof maxWait !== 'number' || !Number.isFinite(maxWait) || maxWait <= 0)) {
      throw new TaskConfigError(`${where}.maxWait`, maxWait, 'a positive number of milliseconds');
    }
    return;
  }
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay <= 0) {
    throw new TaskConfigError(`${where}.delay`, delay, 'a positive number of milliseconds');
  }
  if (maxWait !== undefined && (typeof maxWait !== 'number' || !Number.isFinite(maxWait) || maxWait < delay)) {
    throw new TaskConfigError(`${where}.maxWait`, maxWait, `a number of milliseconds >= delay (${delay})`);
  }
}

/** Throws TaskConfigError unless `key` is a string of 1 to 500 characters. */
export function assertDebounceKey(option: string, key: unknown): asserts key is string {
  if (typeof key !== 'string' || key === '' || key.length > MAX_DEBOUNCE_KEY_LENGTH) {
    throw new TaskConfigError(option, key, `a non-empty string of at most ${MAX_DEBOUNCE_KEY_LENGTH} characters`);
  }
}

/** `@Task({ debounce })`, checked when the class is defined. */
export function validateDebounceTaskOptions(value: unknown, where: string): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object' || typeof (value as { key?: unknown }).key !== 'function') {
    throw new TaskConfigError(where, value, '{ key: (...args) => string, delay, maxWait? }');
  }
  const { delay, maxWait } = value as { delay?: unknown; maxWait?: unknown };
  assertTiming(where, delay, maxWait, true);
}

/** The `debounce` call option, checked at call time; a call without `delay` takes the task's. */
export function validateDebounceCallOptions(value: unknown, where = 'debounce'): void {
  if (value === undefined) return;
  if (value === null || typeof value !== 'object') {
    throw new TaskConfigError(where, value, '{ key: string, delay?, maxWait? }');
  }
  const { key, delay, maxWait } = value as { key?: unknown; delay?: unknown; maxWait?: unknown };
  assertDebounceKey(`${where}.key`, key);
  assertTiming(where, delay, maxWait, false);
}

