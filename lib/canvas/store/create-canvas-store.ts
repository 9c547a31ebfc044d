import type { Broker } from '../../broker/broker.interface';
import { MemoryBroker } from '../../broker/memory/memory-broker';
import { RedisBroker } from '../../broker/redis/redis-broker';
import { NestTasksError } from '../../errors';
import type { CanvasStore } from './canvas-store';
import { MemoryCanvasStore } from './memory-canvas-store';
import { RedisCanvasStore } from './redis-canvas-store';

/** The canvas operations of the app's broker. */
export function createCanvasStore(broker: Broker): CanvasStore {
  if (broker instanceof RedisBroker) return new RedisCanvasStore(broker);
  if (broker instanceof MemoryBroker) return new MemoryCanvasStore(broker);
  throw new NestTasksError(`Workflows need the Redis or the memory broker, not ${broker.description}`);
}
