import type { Logger } from '@nestjs/common';
import { BrokerConnectionError } from '../../errors';
import { isCluster, type RedisClient } from './redis-client';

/**
 * Connects (or checks an existing connection) with `attempts` tries, `delayMs` apart;
 * throws BrokerConnectionError with the address and the last error.
 */
export async function connectWithRetries(redis: RedisClient, address: string, attempts: number, delayMs: number, owned = true): Promise<void> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      if (redis.status === 'wait' || redis.status === 'end') {
        await connectOnce(redis);
      }
      await redis.ping();
      return;
    } catch (error) {
      lastError = error;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
  if (owned) redis.disconnect();
  throw new BrokerConnectionError(address, attempts, lastError);
}

/** One try: no automatic reconnects while we are still deciding whether Redis is there. */
async function connectOnce(redis: RedisClient): Promise<void> {
  if (isCluster(redis)) {
    const strategy = redis.options.clusterRetryStrategy;
    redis.options.clusterRetryStrategy = () => null;
    try {
      await redis.connect();
    } finally {
      redis.options.clusterRetryStrategy = strategy;
    }
    return;
  }
  const strategy = redis.options.retryStrategy;
  redis.options.retryStrategy = () => null;
  try {
    await redis.connect();
  } finally {
    redis.options.retryStrategy = strategy;
  }
}

/** At most one log line per connection in this period while errors repeat. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Logs a connection's errors instead of swallowing them: the first at once, then
 * at most one line per 10 s with how many were left out, and a line when it is
 * ready again. `address` is printed as given: pass one without credentials.
 */
export function logConnectionErrors(redis: RedisClient, role: string, address: string, logger: Pick<Logger, 'warn' | 'log'>): void {
  let lastLogged = 0;
  let unlogged = 0;
  let failing = false;
  redis.on('error', (error: Error) => {
    failing = true;
    const now = Date.now();
    if (now - lastLogged < ERROR_LOG_INTERVAL_MS) {
      unlogged++;
      return;
    }
    const more = unlogged > 0 ? ` (${unlogged} more since the last report)` : '';
    logger.warn(`Redis ${role} connection to ${address}: ${error.message}${more}`);
    lastLogged = now;
    unlogged = 0;
  });
  redis.on('ready', () => {
    if (!failing) return;
    failing = false;
    lastLogged = 0;
    unlogged = 0;
    logger.log(`Redis ${role} connection to ${address} is back`);
  });
}
