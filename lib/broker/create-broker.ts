import type { TaskConfig } from '../config/task-config';
import type { Broker } from './ports/broker';
import { MemoryBroker } from './memory/memory-broker';
import { RedisBroker } from './redis/redis-broker';

/** The broker named by the configuration (not yet connected). Eager and recording modes need only a local result store. */
export function createBroker(config: TaskConfig): Broker {
  const { broker } = config;
  if (config.eager || config.record || broker === 'memory://' || (typeof broker === 'string' && broker.startsWith('memory://'))) {
    return new MemoryBroker(config.maxDeliveries);
  }
  return new RedisBroker(broker, {
    prefix: config.prefix,
    maxDeliveries: config.maxDeliveries,
    connectRetries: config.connectRetries,
    connectRetryDelay: config.connectRetryDelay,
    celery: config.celery?.queues.length ? config.celery : undefined,
    replicationTimeout: config.durability === 'replicated' ? config.replicationTimeout : 0,
  });
}
