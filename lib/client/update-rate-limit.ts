import type { Broker } from '../broker/ports/broker';
import { parseRate } from '../utils/rate-limit';

/** Stores a task's runtime rate limit (null clears it) and tells every worker. */
export async function updateRateLimit(broker: Broker, task: string, rate: string | null): Promise<void> {
  if (rate !== null) parseRate(rate, `setRateLimit(${task}).rate`);
  await broker.setRateLimit(task, rate);
  await broker.broadcast({ type: 'rate-limit', task, rate });
}
