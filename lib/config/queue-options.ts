import { TaskConfigError } from '../errors';
import { assertInteger, assertQueueName } from '../utils/validate';

/** Options of one queue, in `TaskModule.forRoot({ queues: { emails: { ... } } })`. */
export interface QueueOptions {
  /**
   * Spread the queue over this many shards (Redis hash slots; on a Cluster, masters).
   * Default 1. Producers pick a shard round robin (or by `shardKey`), workers of the
   * queue fetch from all of them; changing it loses nothing (shards that no longer
   * exist are still drained).
   */
  shards?: number;
}

export interface ResolvedQueueOptions {
  shards: number;
}

/** The most shards one queue may have. */
export const MAX_SHARDS = 1024;

export function resolveQueueOptions(queues: unknown): ReadonlyMap<string, ResolvedQueueOptions> {
  const resolved = new Map<string, ResolvedQueueOptions>();
  if (queues === undefined) return resolved;
  if (queues === null || typeof queues !== 'object' || Array.isArray(queues)) {
    throw new TaskConfigError('queues', queues, 'an object keyed by queue name: { emails: { shards: 8 } }');
  }
  for (const [name, options] of Object.entries(queues as Record<string, unknown>)) {
    assertQueueName(`queues['${name}']`, name);
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TaskConfigError(`queues['${name}']`, options, '{ shards? }');
    }
    const { shards } = options as QueueOptions;
    assertInteger(`queues['${name}'].shards`, shards, 1, MAX_SHARDS);
    resolved.set(name, { shards: shards ?? 1 });
  }
  return resolved;
}
