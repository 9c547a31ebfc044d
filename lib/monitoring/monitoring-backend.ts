import type { Broker } from '../broker/broker.interface';
import { MemoryBroker } from '../broker/memory/memory-broker';
import { RedisBroker } from '../broker/redis/redis-broker';
import { NestTasksError } from '../errors';
import { MemoryQueueAdmin } from './admin/memory-queue-admin';
import type { QueueAdmin } from './admin/queue-admin.interface';
import { RedisQueueAdmin } from './admin/redis-queue-admin';
import { MemoryReplyChannel } from './control/memory-reply-channel';
import { RedisReplyChannel } from './control/redis-reply-channel';
import type { ReplyChannel } from './control/reply-channel.interface';
import type { EventStore } from './events/event-store.interface';
import { MemoryEventStore } from './events/memory-event-store';
import { RedisEventStore } from './events/redis-event-store';
import type { MonitoringConfig } from '../config/monitoring-options';
import { MonitoringKeys } from './redis/monitoring-keys';
import { MemoryWorkerDirectory } from './workers/memory-worker-directory';
import type { WorkerDirectory } from './workers/worker-directory.interface';
import { RedisWorkerDirectory } from './workers/redis-worker-directory';

/** Where monitoring data lives, next to the broker's: Redis keys, or this process's memory. */
export interface MonitoringBackend {
  readonly admin: QueueAdmin;
  readonly events: EventStore;
  readonly workers: WorkerDirectory;
  readonly replies: ReplyChannel;
  close(): Promise<void>;
}

export function createMonitoringBackend(broker: Broker, config: MonitoringConfig): MonitoringBackend {
  let backend: Omit<MonitoringBackend, 'close'>;
  if (broker instanceof RedisBroker) {
    const redis = broker.connection;
    const keys = new MonitoringKeys(broker.redisKeys.prefix);
    backend = {
      admin: new RedisQueueAdmin(redis, broker.redisKeys, keys),
      events: new RedisEventStore(redis, keys.events, config.eventsMaxLen),
      workers: new RedisWorkerDirectory(redis, keys.workers),
      replies: new RedisReplyChannel(redis, keys),
    };
  } else if (broker instanceof MemoryBroker) {
    backend = {
      admin: new MemoryQueueAdmin(broker),
      events: new MemoryEventStore(config.eventsMaxLen),
      workers: new MemoryWorkerDirectory(),
      replies: new MemoryReplyChannel(),
    };
  } else {
    throw new NestTasksError(`Monitoring supports the Redis and memory brokers, not ${broker.description}`);
  }
  return {
    ...backend,
    close: async () => {
      await Promise.allSettled([backend.events.close(), backend.replies.close()]);
    },
  };
}
