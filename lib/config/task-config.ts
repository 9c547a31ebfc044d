import { DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_RESULT_BYTES, DEFAULT_PREFIX, DEFAULT_RESULT_EXPIRES, DEFAULT_VISIBILITY_TIMEOUT } from '../constants';
import type { TaskBehaviourOptions } from './task-options.interface';
import { validateTaskOptions } from './validate-task-options';
import { TaskConfigError } from '../errors';
import { parseUrl, redactUrl, redactValue } from '../utils/redact';
import { assertDuration, assertInteger, assertQueueName } from '../utils/validate';
import { resolveBeatOptions, type ResolvedBeatOptions } from './beat-options';
import { isMultiHostUrl, parseMultiHostUrl } from './broker-address';
import { resolveQueueOptions, type ResolvedQueueOptions } from './queue-options';
import { resolveMonitoringConfig, type MonitoringConfig } from './monitoring-options';
import type { BrokerOption, RouteOptions, TaskModuleOptions } from './task-module-options.interface';
import { resolveCeleryConfig, type CeleryConfig } from './celery-options';

/** The module's options after validation, with every default filled in. */
export interface TaskConfig {
  readonly broker: BrokerOption;
  readonly prefix: string;
  readonly eager: boolean;
  /** Recording mode: TaskRecorder keeps what is enqueued instead of publishing or running it. */
  readonly record: boolean;
  readonly defaults: Readonly<TaskBehaviourOptions>;
  readonly routes: Readonly<Record<string, RouteOptions>>;
  readonly resultExpires: number;
  readonly visibilityTimeout: number;
  readonly maxPayloadBytes: number;
  readonly maxResultBytes: number;
  readonly maxDeliveries: number;
  readonly connectRetries: number;
  readonly connectRetryDelay: number;
  readonly durability: 'master' | 'replicated';
  /** Options per queue (sharding); queues not named have one shard. */
  readonly queues: ReadonlyMap<string, ResolvedQueueOptions>;
  readonly replicationTimeout: number;
  readonly beat: ResolvedBeatOptions;
  readonly monitoring: MonitoringConfig;
  /** Celery's side of the Redis, and the queues that speak Celery. */
  readonly celery: CeleryConfig;
  readonly telemetry: boolean;
}

const PREFIX = /^[A-Za-z0-9_.:-]{1,100}$/;

const BROKER_FORMS = "a 'redis://', 'rediss://', 'redis+cluster://', 'redis+sentinel://' or 'memory://' URL, { redis } or { cluster }";

/** The value in these errors is redacted: a broker URL carries the password. */
function assertBrokerOption(broker: unknown): void {
  if (typeof broker === 'string') {
    if (isMultiHostUrl(broker)) {
      parseMultiHostUrl(broker, 'broker');
      return;
    }
    if (!/^(redis|rediss|memory):\/\//.test(broker)) throw new TaskConfigError('broker', redactUrl(broker), BROKER_FORMS);
    if (!parseUrl(broker)) {
      throw new TaskConfigError('broker', redactUrl(broker), "a URL that parses: percent-encode '/', '?', '#' and '@' in the password (%2F, %3F, %23, %40)");
    }
    return;
  }
  if (broker === null || typeof broker !== 'object') throw new TaskConfigError('broker', redactValue(broker), BROKER_FORMS);
  if ('redis' in broker && typeof broker.redis === 'object' && broker.redis !== null) return;
  if ('cluster' in broker) {
    const { cluster } = broker;
    if (Array.isArray(cluster) ? cluster.length === 0 : cluster === null || typeof cluster !== 'object') {
      throw new TaskConfigError('broker.cluster', redactValue(cluster), 'the startup nodes (a non-empty array of { host, port } or "host:port") or an ioredis Cluster');
    }
    return;
  }
  throw new TaskConfigError('broker', redactValue(broker), BROKER_FORMS);
}

export function resolveTaskConfig(options: TaskModuleOptions = {}): TaskConfig {
  if (options === null || typeof options !== 'object') {
    throw new TaskConfigError('TaskModule.forRoot', options, 'an options object');
  }
  const broker = options.broker ?? 'memory://';
  assertBrokerOption(broker);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
    throw new TaskConfigError('prefix', prefix, 'letters, digits and _ . : - (1 to 100 characters)');
  }
  if (options.eager !== undefined && typeof options.eager !== 'boolean') {
    throw new TaskConfigError('eager', options.eager, 'true or false');
  }
  if (options.record !== undefined && typeof options.record !== 'boolean') {
    throw new TaskConfigError('record', options.record, 'true or false');
  }
  if (options.telemetry !== undefined && typeof options.telemetry !== 'boolean') {
    throw new TaskConfigError('telemetry', options.telemetry, 'true or false');
  }
  assertDuration('resultExpires', options.resultExpires, 1);
  assertDuration('visibilityTimeout', options.visibilityTimeout, 1000);
  assertInteger('maxPayloadBytes', options.maxPayloadBytes, 256);
  assertInteger('maxResultBytes', options.maxResultBytes, 16);
  assertInteger('maxDeliveries', options.maxDeliveries, 1);
  assertInteger('connectRetries', options.connectRetries, 1);
  assertDuration('connectRetryDelay', options.connectRetryDelay);
  if (options.durability !== undefined && options.durability !== 'master' && options.durability !== 'replicated') {
    throw new TaskConfigError('durability', options.durability, "'master' or 'replicated'");
  }
  assertDuration('replicationTimeout', options.replicationTimeout, 1);
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
    eager: eagerFromEnvironment() || (options.eager ?? false),
    record: options.record ?? false,
    defaults: { maxRetries: 3, ...defaults },
    routes,
    resultExpires: options.resultExpires ?? DEFAULT_RESULT_EXPIRES,
    visibilityTimeout,
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES,
    maxResultBytes: options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES,
    maxDeliveries: options.maxDeliveries ?? 10,
    connectRetries: options.connectRetries ?? 3,
    connectRetryDelay: options.connectRetryDelay ?? 500,
    durability: options.durability ?? 'master',
    queues,
    replicationTimeout: options.replicationTimeout ?? 1000,
    beat,
    monitoring: resolveMonitoringConfig(options),
    celery,
    telemetry: options.telemetry ?? true,
  };
}

/**
 * `TASKS_EAGER=1` (or `true`) turns eager mode on for every TaskModule of the process:
 * the switch for end-to-end test runs of an app whose options do not say `eager`.
 */
export function eagerFromEnvironment(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.TASKS_EAGER?.trim().toLowerCase();
  if (value === undefined || value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  throw new TaskConfigError('TASKS_EAGER', env.TASKS_EAGER, "'1' or 'true' (eager), '0', 'false' or unset");
}
