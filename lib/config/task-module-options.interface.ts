import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import type { TaskBehaviourOptions } from './task-options.interface';
import type { BeatOptions } from './beat-options';
import type { EventStreamOptions } from './monitoring-options';
import type { CeleryOptions } from './celery-options';
import type { QueueOptions } from './queue-options';

/** Where a task goes: by exact task name or glob (`'EmailTasks.*'`, `'reports.**'`). */
export interface RouteOptions {
  queue?: string;
  priority?: number;
}

/**
 * `'redis://…'`, `'rediss://…'`, `'redis+cluster://h1:7000,h2:7001'`,
 * `'redis+sentinel://s1:26379,s2:26379/<master name>'`, `'memory://'`;
 * `{ redis }`: ioredis options (Sentinel: `{ sentinels, name }`) or an ioredis instance;
 * `{ cluster }`: the cluster's startup nodes (with `options`), or an ioredis `Cluster`.
 * An instance is the caller's: the caller closes it.
 */
export type BrokerOption = string | { redis: RedisOptions | Redis } | { cluster: ClusterNode[] | Cluster; options?: ClusterOptions };

export interface TaskModuleOptions {
  /** Default `'memory://'`. */
  broker?: BrokerOption;
  /** Key namespace in Redis. Default `'tasks'`. */
  prefix?: string;
  /**
   * Run tasks inline on `delay()` (tests). No broker connection is opened.
   * `TASKS_EAGER=1` in the environment turns it on for every TaskModule of the process.
   */
  eager?: boolean;
  /**
   * Recording mode (tests): enqueued tasks are kept in memory, not run; read them and run
   * them with `TaskRecorder` (`enqueued()`, `drain()`, `clear()`). No broker connection is
   * opened. Usually turned on with `TaskTesting.record(Test.createTestingModule(...))`.
   */
  record?: boolean;
  /** Defaults for every task's options. */
  defaults?: TaskBehaviourOptions;
  /** Routes keyed by task name or glob. */
  routes?: Record<string, RouteOptions>;
  /** How long results are kept, ms. Default 24 h. */
  resultExpires?: number;
  /** Lease of a fetched message, ms; extended while the task runs. Default 30 s. */
  visibilityTimeout?: number;
  /** Largest serialized message, bytes. Default 1 MiB. */
  maxPayloadBytes?: number;
  /** Largest result, as JSON, bytes; a larger one ends the task FAILURE (ResultTooLargeError). Default 1 MiB. */
  maxResultBytes?: number;
  /** Deliveries of one message (lost workers included) before it is dead-lettered. Default 10. */
  maxDeliveries?: number;
  /** Attempts to reach the broker at start-up. Default 3. */
  connectRetries?: number;
  /** Pause between start-up attempts, ms. Default 500. */
  connectRetryDelay?: number;
  /** Options per queue: `{ emails: { shards: 8 } }` spreads one busy queue over 8 slots (docs/scale-out.md). */
  queues?: Record<string, QueueOptions>;
  /**
   * When a publish resolves. `'master'` (default): Redis has the message. `'replicated'`:
   * at least one replica has it too (WAIT), so a failover right after cannot lose it;
   * a publish no replica confirms within `replicationTimeout` rejects with ReplicationTimeoutError.
   */
  durability?: 'master' | 'replicated';
  /** How long a `'replicated'` publish waits for a replica, ms. Default 1000. */
  replicationTimeout?: number;
  /** Periodic scheduling: the static schedule (like CELERY_BEAT_SCHEDULE) and the scheduler's timings. */
  beat?: BeatOptions;
  /**
   * Publish task and worker events to a capped Redis stream (`<prefix>:events`), read
   * by the dashboard (timeline, live feed, rates) and the metrics. Default false: they
   * cost about 10% more CPU per no-op task in the worker and half again in Redis
   * (bench/events-cost.ts), like Celery's `-E`.
   */
  events?: boolean | EventStreamOptions;
  /** Celery's side of the Redis for queues with `protocol: 'celery'` (docs/celery.md). */
  celery?: CeleryOptions;
  /** How often a worker writes its heartbeat, ms. Default 5000; a worker is lost after 3 missed. */
  heartbeatInterval?: number;
  /**
   * OpenTelemetry spans and metrics (messaging semantic conventions) when the app has
   * `@opentelemetry/api` installed and registered a provider. Default true; false turns them off.
   */
  telemetry?: boolean;
}
