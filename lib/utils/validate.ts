import { TaskConfigError } from '../errors';

/** Throws unless `value` is undefined or a finite number >= min (milliseconds by default). */
export function assertDuration(option: string, value: unknown, min = 0): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new TaskConfigError(option, value, `a number of milliseconds >= ${min}`);
  }
}

export function assertInteger(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new TaskConfigError(option, value, `an integer from ${min} to ${max}`);
  }
}

export function assertBoolean(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TaskConfigError(option, value, 'true or false');
  }
}

const QUEUE_NAME = /^[A-Za-z0-9_.:@-]{1,200}$/;

/** Queue names become part of Redis hash tags, so braces and spaces are refused. */
export function assertQueueName(option: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !QUEUE_NAME.test(value)) {
    throw new TaskConfigError(option, value, 'a queue name of letters, digits and _ . : @ - (1 to 200 characters)');
  }
}

/** Accepts a Date or a millisecond timestamp; returns the timestamp. */
export function toTimestamp(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw new TaskConfigError(option, value, 'a Date or a timestamp in milliseconds');
  }
  return ms;
}
