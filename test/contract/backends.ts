/**
 * The backends the contract specs run against, and the ONLY place that builds them.
 *
 * Every spec under test/contract gets its broker and stores from here and imports lib
 * types only through the re-exports at the bottom, so that moving to another way of
 * constructing backends (the lib is being restructured) is a change to this file alone.
 */
import { MemoryBroker, RedisBroker } from 'nestjs-tasks';
import { createCanvasStore } from '../../lib/canvas/store/create-canvas-store';
import { createMonitoringBackend } from '../../lib/monitoring/monitoring-backend';
import { resolveMonitoringConfig } from '../../lib/monitoring/monitoring-options';
import { resolveTaskConfig } from '../../lib/module/task-config';
import { createScheduleStore } from '../../lib/scheduler/stores/create-schedule-store';
import type { Broker } from '../../lib/broker/broker.interface';
import type { CanvasStore } from '../../lib/canvas/store/canvas-store';
import type { MonitoringBackend } from '../../lib/monitoring/monitoring-backend';
import type { ScheduleStore } from '../../lib/scheduler/stores/schedule-store.interface';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/** What a spec may ask of a backend it opens. */
export interface BackendOptions {
  /** Module option `maxDeliveries` (default 10). */
  maxDeliveries?: number;
  /** Module option `events.maxLen` (at least 100; default 10 000). */
  eventsMaxLen?: number;
}

/** One backend, in a namespace of its own (a fresh memory broker, or a fresh Redis key prefix). */
export interface Backend {
  readonly name: BackendName;
  readonly broker: Broker;
  readonly canvas: CanvasStore;
  readonly schedules: ScheduleStore;
  readonly monitoring: MonitoringBackend;
  /** Closes every connection and drops what the backend stored. */
  close(): Promise<void>;
}

export type BackendName = 'memory' | 'redis';

/** Opens a connected backend. */
export interface BackendFactory {
  readonly name: BackendName;
  create(options?: BackendOptions): Promise<Backend>;
}

function moduleOptions(options: BackendOptions) {
  return {
    maxDeliveries: options.maxDeliveries,
    events: options.eventsMaxLen === undefined ? true : { maxLen: options.eventsMaxLen },
  };
}

const memory: BackendFactory = {
  name: 'memory',
  async create(options = {}) {
    const { maxDeliveries, events } = moduleOptions(options);
    const config = resolveTaskConfig({ broker: 'memory://', maxDeliveries });
    const broker = new MemoryBroker(config.maxDeliveries);
    await broker.connect();
    const monitoring = createMonitoringBackend(broker, resolveMonitoringConfig({ events }));
    return {
      name: 'memory',
      broker,
      canvas: createCanvasStore(broker),
      schedules: createScheduleStore(broker, config),
      monitoring,
      close: async () => {
        await monitoring.close();
        await broker.close();
      },
    };
  },
};

const redis: BackendFactory = {
  name: 'redis',
  async create(options = {}) {
    const { maxDeliveries, events } = moduleOptions(options);
    const config = resolveTaskConfig({ broker: testRedisUrl(), prefix: uniquePrefix('contract'), maxDeliveries });
    const broker = new RedisBroker(config.broker as string, {
      prefix: config.prefix,
      maxDeliveries: config.maxDeliveries,
      connectRetries: config.connectRetries,
      connectRetryDelay: config.connectRetryDelay,
    });
    await broker.connect();
    const monitoring = createMonitoringBackend(broker, resolveMonitoringConfig({ events }));
    return {
      name: 'redis',
      broker,
      canvas: createCanvasStore(broker),
      schedules: createScheduleStore(broker, config),
      monitoring,
      close: async () => {
        await monitoring.close();
        // Only this backend's own keys (its prefix is unique): matters when REDIS_URL names a shared server.
        const connection = broker.connection;
        let cursor = '0';
        do {
          const [next, keys] = await connection.scan(cursor, 'MATCH', `${config.prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length > 0) await connection.del(...keys);
        } while (cursor !== '0');
        await broker.close();
      },
    };
  },
};

/** Every backend; each contract spec runs once per entry. */
export const backends: readonly BackendFactory[] = [memory, redis];

// ---- the lib's types the specs use (never imported from lib by the specs themselves) -----------

export type { Broker, ControlMessage, DeadLetter, PublishRequest, RateTicket, ReservedMessage, ReserveResult, SettleOp } from '../../lib/broker/broker.interface';
export type { ResultRecord, ResultWrite } from '../../lib/results/result-record';
export type { TaskState } from '../../lib/results/task-state';
export type { CanvasStore, ChordPart, ChordPartReply } from '../../lib/canvas/store/canvas-store';
export type { ChordEntry } from '../../lib/canvas/workflow-spec';
export type { ScheduleStore, ClaimResult, StoredDefinitions, StoredState } from '../../lib/scheduler/stores/schedule-store.interface';
export type { PendingFire, ScheduleState } from '../../lib/scheduler/schedule-definition';
export type { MonitoringBackend } from '../../lib/monitoring/monitoring-backend';
export type { DeadLetterEntry, QueueAdmin, QueueCounts, ScheduledMessage } from '../../lib/monitoring/admin/queue-admin.interface';
export type { EventStore } from '../../lib/monitoring/events/event-store.interface';
export type { StoredEvent } from '../../lib/monitoring/events/stored-event';
export type { TaskEvent, TaskEventType } from '../../lib/events/task-event';
export type { WorkerDirectory } from '../../lib/monitoring/workers/worker-directory.interface';
export type { WorkerState, WorkerView } from '../../lib/monitoring/workers/worker-state';
export type { ReplyChannel } from '../../lib/monitoring/control/reply-channel.interface';
export type { RemoteReply } from '../../lib/monitoring/control/control-protocol';
