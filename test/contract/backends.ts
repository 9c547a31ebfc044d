/**
 * The backends the contract specs run against, and the ONLY place that builds them.
 *
 * Every spec under test/contract gets its broker and stores from here and imports lib
 * types only through the re-exports at the bottom, so that moving to another way of
 * constructing backends (the lib is being restructured) is a change to this file alone.
 */
import IORedis from 'ioredis';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { createBroker, type Broker } from '../../lib/internal';
import type { CanvasStore } from '../../lib/broker/ports/canvas-store';
import type { MonitoringStore } from '../../lib/broker/ports/monitoring-store';
import type { ScheduleStore } from '../../lib/broker/ports/schedule-store';
import { testClusterNodes, testClusterUrl, testRedisUrl, uniquePrefix } from '../support/redis-url';

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
  readonly monitoring: MonitoringStore;
  /** Closes every connection and drops what the backend stored. */
  close(): Promise<void>;
}

export type BackendName = 'memory' | 'redis' | 'redis-cluster';

/** Opens a connected backend. */
export interface BackendFactory {
  readonly name: BackendName;
  create(options?: BackendOptions): Promise<Backend>;
}

/** The module's options for a spec's backend. */
function moduleOptions(name: BackendName, options: BackendOptions) {
  return resolveTaskConfig({
    broker: name === 'memory' ? 'memory://' : name === 'redis' ? testRedisUrl() : testClusterUrl(),
    prefix: uniquePrefix('contract'),
    maxDeliveries: options.maxDeliveries,
    events: options.eventsMaxLen === undefined ? true : { maxLen: options.eventsMaxLen },
  });
}

/** A backend made as TaskModule makes it: the broker from its one factory, every store from the broker. */
function backend(name: BackendName): BackendFactory {
  return {
    name,
    async create(options = {}) {
      const config = moduleOptions(name, options);
      const broker = createBroker(config);
      await broker.connect();
      const monitoring = broker.openMonitoringStore(config.monitoring);
      return {
        name,
        broker,
        canvas: broker.canvasStore(),
        schedules: broker.scheduleStore(),
        monitoring,
        close: async () => {
          await monitoring.close();
          await broker.close();
          if (name !== 'memory') await deleteKeys(name, `${config.prefix}:*`);
        },
      };
    },
  };
}

/** Only this backend's own keys (its prefix is unique): matters when REDIS_URL names a shared server. */
async function deleteKeys(name: BackendName, pattern: string): Promise<void> {
  const urls = name === 'redis' ? [testRedisUrl()] : testClusterNodes().map((node) => `redis://${node.host}:${node.port}`);
  for (const url of urls) {
    const connection = new IORedis(url, { lazyConnect: true });
    try {
      await connection.connect();
      let cursor = '0';
      do {
        const [next, keys] = await connection.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        cursor = next;
        // One DEL per key: on a cluster node, keys of one DEL must share a slot.
        await Promise.all(keys.map((key) => connection.del(key)));
      } while (cursor !== '0');
    } finally {
      connection.disconnect();
    }
  }
}

/** Every backend; each contract spec runs once per entry. */
export const backends: readonly BackendFactory[] = [backend('memory'), backend('redis'), backend('redis-cluster')];

// ---- the lib's types the specs use (never imported from lib by the specs themselves) -----------

export type { Broker, ControlMessage, DeadLetter, PublishRequest, ReservedMessage, ReserveResult, SettleOp } from '../../lib/broker/ports/broker';
export type { RateTicket } from '../../lib/broker/ports/rate-limiter';
export type { ResultRecord, ResultWrite } from '../../lib/serialization/result-record';
export type { TaskState } from '../../lib/serialization/task-state';
export type { CanvasStore, ChordPart, ChordPartReply } from '../../lib/broker/ports/canvas-store';
export type { ChordEntry } from '../../lib/serialization/workflow-spec';
export type { ScheduleStore, ClaimResult, StoredDefinitions, StoredState } from '../../lib/broker/ports/schedule-store';
export type { PendingFire, ScheduleState } from '../../lib/config/schedules/schedule-definition';
export type { MonitoringStore } from '../../lib/broker/ports/monitoring-store';
export type { DeadLetterEntry, QueueAdmin, QueueCounts, ScheduledMessage } from '../../lib/broker/ports/queue-admin';
export type { EventStore } from '../../lib/broker/ports/event-store';
export type { StoredEvent } from '../../lib/broker/ports/stored-event';
export type { TaskEvent, TaskEventType } from '../../lib/serialization/task-event';
export type { WorkerDirectory } from '../../lib/broker/ports/worker-directory';
export type { WorkerState, WorkerView } from '../../lib/broker/ports/worker-state';
export type { ReplyChannel } from '../../lib/broker/ports/reply-channel';
export type { RemoteReply } from '../../lib/broker/ports/control-protocol';
