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
  /**
   * The wire format and keys of the queue. `'native'` (default): ours, under the module's
   * prefix. `'celery'`: Celery's protocol on kombu's Redis keys, so Python Celery workers
   * and producers share the queue (docs/celery.md). A Celery queue has one shard.
   */
  protocol?: 'native' | 'celery';
}

export interface ResolvedQueueOptions {
  shards: number;
  /** Absent: native. */
  protocol?: 'native' | 'celery';
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
      throw new TaskConfigError(`queues['${name}']`, options, "{ shards?, protocol?: 'native' | 'celery' }");
    }
    const { shards, protocol } = options as QueueOptions;
    assertInteger(`queues['${name}'].shards`, shards, 1, MAX_SHARDS);
    if (protocol !== undefined && protocol !== 'native' && protocol !== 'celery') {
      throw new TaskConfigError(`queues['${name}'].protocol`, protocol, "'native' or 'celery'");
    }
    if (protocol === 'celery' && shards !== undefined && shards !== 1) {
      throw new TaskConfigError(`queues['${name}'].shards`, shards, "1 for a Celery queue (it is one kombu queue)");
    }
    resolved.set(name, protocol === 'celery' ? { shards: 1, protocol } : { shards: shards ?? 1 });
  }
  return resolved;
}
