import { TaskConfigError } from '../errors';

/** A rate such as `'10/m'`: `count` starts per `intervalMs`. */
export interface Rate {
  readonly count: number;
  readonly intervalMs: number;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };
const RATE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*\/\s*(s|m|h)\s*$/;

/** Parses `'N/s' | 'N/m' | 'N/h'`; throws TaskConfigError naming `option` otherwise. */
export function parseRate(value: unknown, option = 'rateLimit'): Rate {
  const match = typeof value === 'string' ? RATE_PATTERN.exec(value) : null;
  const count = match ? Number(match[1]) : NaN;
  if (!match || !(count > 0)) {
    throw new TaskConfigError(option, value, "a rate like '10/s', '10/m' or '10/h' with a positive count");
  }
  return { count, intervalMs: UNITS[match[2]] };
}
