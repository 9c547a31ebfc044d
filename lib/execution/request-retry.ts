import type { RetryOptions } from '../context/task-context';
import { TaskRetryRequest } from '../errors';
import { assertDuration, toTimestamp } from '../utils/validate';

/** `TaskContext.retry()`: validates the options and throws the request the executor turns into a retry. */
export function requestRetry(retryOptions: RetryOptions = {}): never {
  assertDuration('retry().countdown', retryOptions.countdown);
  const eta = toTimestamp('retry().eta', retryOptions.eta);
  throw new TaskRetryRequest(retryOptions.countdown, eta, retryOptions.cause, retryOptions.maxRetries);
}
