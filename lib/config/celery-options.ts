import { TaskConfigError } from '../errors';
import { assertDuration, assertQueueName } from '../utils/validate';
import type { ResolvedQueueOptions } from './queue-options';

/** `TaskModule.forRoot({ celery })`: how Celery's side of the Redis is laid out. */
export interface CeleryOptions {
  /** Celery's `global_keyprefix` (broker and result backend transport option). Default `''`. */
  keyPrefix?: string;
  /** Celery's `task_default_queue`: where follow-up tasks (chains, links) go unless routed. Default `'celery'`. */
  defaultQueue?: string;
  /**
   * kombu's `visibility_timeout`, ms: a message held this long without an acknowledgement
   * goes back to its queue. Must equal the Celery workers' setting. Default 3,600,000 (1 hour).
   */
  visibilityTimeout?: number;
  /** Celery's `result_expires`, ms: how long `celery-task-meta-<id>` records are kept. Default 86,400,000 (1 day). */
  resultExpires?: number;
}

/** The Celery options with their defaults, and the queues that speak Celery. */
export interface CeleryConfig {
  readonly keyPrefix: string;
  readonly defaultQueue: string;
  readonly visibilityTimeout: number;
  readonly resultExpires: number;
  /** Queues declared `{ protocol: 'celery' }`. */
  readonly queues: readonly string[];
}

const KEY_PREFIX = /^[A-Za-z0-9_.:@{}-]{0,100}$/;

export function resolveCeleryConfig(celery: unknown, queues: ReadonlyMap<string, ResolvedQueueOptions>): CeleryConfig {
  if (celery !== undefined && (celery === null || typeof celery !== 'object' || Array.isArray(celery))) {
    throw new TaskConfigError('celery', celery, "{ keyPrefix?, defaultQueue?, visibilityTimeout?, resultExpires? }");
  }
  const options = (celery ?? {}) as CeleryOptions;
  if (options.keyPrefix !== undefined && (typeof options.keyPrefix !== 'string' || !KEY_PREFIX.test(options.keyPrefix))) {
    throw new TaskConfigError('celery.keyPrefix', options.keyPrefix, 'up to 100 letters, digits and _ . : @ { } -');
  }
  assertQueueName('celery.defaultQueue', options.defaultQueue);
  assertDuration('celery.visibilityTimeout', options.visibilityTimeout, 1000);
  assertDuration('celery.resultExpires', options.resultExpires, 1000);
  return {
    keyPrefix: options.keyPrefix ?? '',
    defaultQueue: options.defaultQueue ?? 'celery',
    visibilityTimeout: options.visibilityTimeout ?? 3_600_000,
    resultExpires: options.resultExpires ?? 86_400_000,
    queues: [...queues].filter(([, q]) => q.protocol === 'celery').map(([name]) => name),
  };
}
