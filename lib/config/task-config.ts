import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_PREFIX, DEFAULT_RESULT_EXPIRES, DEFAULT_VISIBILITY_TIMEOUT } from '../constants';
import type { TaskBehaviourOptions } from './task-options.interface';
import { validateTaskOptions } from './validate-task-options';
import { TaskConfigError } from '../errors';
import { parseUrl, redactUrl, redactValue } from '../utils/redact';
import { assertDuration, assertInteger, assertQueueName } from '../utils/validate';
import { resolveBeatOptions, type ResolvedBeatOptions } from './beat-options';
import { resolveMonitoringConfig, type MonitoringConfig } from './monitoring-options';
import type { BrokerOption, RouteOptions, TaskModuleOptions } from './task-module-options.interface';
import { resolveCeleryConfig, resolveQueueOptions, type CeleryConfig } from './celery-options';
import type { QueueOptions } from './queue-options';

/** The module's options after validation, with every default filled in. */
export interface TaskConfig {
  readonly broker: BrokerOption;
  readonly prefix: string;
  readonly eager: boolean;
  readonly defaults: Readonly<TaskBehaviourOptions>;
  readonly routes: Readonly<Record<string, RouteOptions>>;
  readonly resultExpires: number;
  readonly visibilityTimeout: number;
  readonly maxPayloadBytes: number;
  readonly maxResultBytes: number;
  readonly maxDeliveries: number;
  readonly connectRetries: number;
  readonly connectRetryDelay: number;
  readonly beat: ResolvedBeatOptions;
  readonly monitoring: MonitoringConfig;
  /** Per-queue options (`queues`), as given. */
  readonly queues: Readonly<Record<string, Readonly<QueueOptions>>>;
  /** Celery's side of the Redis, and the queues that speak Celery. */
  readonly celery: CeleryConfig;
}

const PREFIX = /^[A-Za-z0-9_.:-]{1,100}$/;

export function resolveTaskConfig(options: TaskModuleOptions = {}): TaskConfig {
  if (options === null || typeof options !== 'object') {
    throw new TaskConfigError('TaskModule.forRoot', options, 'an options object');
  }
  const broker = options.broker ?? 'memory://';
  // The value in these errors is redacted: a broker URL carries the password.
  if (typeof broker === 'string') {
    if (!/^(redis|rediss|memory):\/\//.test(broker)) {
      throw new TaskConfigError('broker', redactUrl(broker), "a 'redis://', 'rediss://' or 'memory://' URL, or { redis }");
    }
    if (!parseUrl(broker)) {
      throw new TaskConfigError('broker', redactUrl(broker), "a URL that parses: percent-encode '/', '?', '#' and '@' in the password (%2F, %3F, %23, %40)");
    }
  } else if (broker === null || typeof broker !== 'object' || !('redis' in broker) || typeof broker.redis !== 'object') {
    throw new TaskConfigError('broker', redactValue(broker), "a 'redis://', 'rediss://' or 'memory://' URL, or { redis }");
  }
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TaskConfigError('prefix', prefix, 'letters, digits and _ . : - (1 to 100 characters)');
  }
  if (options.eager !== undefined && typeof options.eager !== 'boolean') {
    throw new TaskConfigError('eager', options.eager, 'true or false');
  }
  assertDuration('resultExpires', options.resultExpires, 1);
  assertDuration('visibilityTimeout', options.visibilityTimeout, 1000);
  assertInteger('maxPayloadBytes', options.maxPayloadBytes, 256);
  assertInteger('maxResultBytes', options.maxResultBytes, 16);
  assertInteger('maxDeliveries', options.maxDeliveries, 1);
  assertInteger('connectRetries', options.connectRetries, 1);
  assertDuration('connectRetryDelay', options.connectRetryDelay);
  const beat = resolveBeatOptions(options.beat);
  const defaults = options.defaults ?? {};
  validateTaskOptions(defaults, 'defaults');
  const routes = options.routes ?? {};
  if (routes === null || typeof routes !== 'object') {
    throw new TaskConfigError('routes', routes, 'an object keyed by task name or glob');
  }
  for (const [pattern, route] of Object.entries(routes)) {
    if (route === null || typeof route !== 'object') {
      throw new TaskConfigError(`routes['${pattern}']`, route, '{ queue?, priority? }');
    }
    assertQueueName(`routes['${pattern}'].queue`, route.queue);
    assertInteger(`routes['${pattern}'].priority`, route.priority, 0, 9);
  }
  const queues = resolveQueueOptions(options.queues);
  const celery = resolveCeleryConfig(options.celery, queues);
  const memory = typeof broker === 'string' && broker.startsWith('memory://');
  if (celery.queues.length > 0 && memory && !options.eager) {
    throw new TaskConfigError(`queues['${celery.queues[0]}'].protocol`, 'celery', "a Redis broker: Celery's protocol lives in Redis (memory:// has no Celery side)");
  }
  const visibilityTimeout = options.visibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT;
  if (celery.queues.length > 0 && celery.visibilityTimeout < visibilityTimeout) {
    // A Nest worker refreshes a running Celery message every visibilityTimeout / 3: it must be well within kombu's.
    throw new TaskConfigError('celery.visibilityTimeout', celery.visibilityTimeout, `at least visibilityTimeout (${visibilityTimeout} ms)`);
  }
  return {
    broker,
    prefix,
    eager: options.eager ?? false,
    defaults: { maxRetries: 3, ...defaults },
    routes,
    resultExpires: options.resultExpires ?? DEFAULT_RESULT_EXPIRES,
    visibilityTimeout,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    maxDeliveries: options.maxDeliveries ?? 10,
    connectRetries: options.connectRetries ?? 3,
    connectRetryDelay: options.connectRetryDelay ?? 500,
    beat,
    monitoring: resolveMonitoringConfig(options),
    queues,
    celery,
  };
}
