import type { Broker } from '../../broker/broker.interface';
import { RedisBroker } from '../../broker/redis/redis-broker';
import type { TaskConfig } from '../../config/task-config';
import { MemoryScheduleStore } from './memory-schedule-store';
import { RedisScheduleStore } from './redis-schedule-store';
import type { ScheduleStore } from './schedule-store.interface';

/** The store that goes with the broker: Redis for the Redis broker, memory for one process. */
export function createScheduleStore(broker: Broker, config: TaskConfig): ScheduleStore {
  return broker instanceof RedisBroker ? new RedisScheduleStore(broker.connection, config.prefix) : new MemoryScheduleStore();
}
