import type { TaskOptions } from '../config/task-options.interface';
import { MaxRetriesExceededError, NonRetryableError } from '../errors';

const DEFAULT_RETRY_DELAY = 1000;
const DEFAULT_BACKOFF_MAX = 600_000;

/** True when an error thrown by the task may be retried automatically under these options. */
export function isAutoRetryable(error: unknown, options: TaskOptions): boolean {
  if (error instanceof NonRetryableError || error instanceof MaxRetriesExceededError) return false;
  const matches = (classes: TaskOptions['autoretryFor']) => classes?.some((c) => error instanceof c) ?? false;
  if (matches(options.dontAutoretryFor)) return false;
  if (options.autoretryFor && options.autoretryFor.length > 0) return matches(options.autoretryFor);
  return true;
}

/**
 * Delay before retry number `retries + 1`: retryDelay, or with retryBackoff
 * retryDelay * 2^retries capped by retryBackoffMax, drawn in [0, delay] when
 * retryJitter is on (as Celery does, jitter applies to backoff).
 */
export function retryDelay(options: TaskOptions, retries: number, random: () => number = Math.random): number {
  const base = options.retryDelay ?? DEFAULT_RETRY_DELAY;
  if (!options.retryBackoff) return base;
  const capped = Math.min(base * 2 ** retries, options.retryBackoffMax ?? DEFAULT_BACKOFF_MAX);
  return options.retryJitter === false ? capped : Math.floor(random() * (capped + 1));
}
