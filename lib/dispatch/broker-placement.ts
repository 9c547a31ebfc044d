import type { Broker } from '../broker/ports/broker';
import type { QueueShards } from '../routing/queue-shards';
import { newTaskId } from '../utils/task-id';
import type { MessagePlacement } from './message-builder';

/**
 * Where the dispatcher's messages go: a queue's shard, and an id the broker may fit to it.
 * Methods of a class, not closures made per dispatcher: a second application context in
 * one process then finds MessageBuilder.build still optimized for them.
 */
export class BrokerPlacement implements MessagePlacement {
  constructor(
    private readonly shards: QueueShards,
    private readonly broker: Broker,
  ) {}

  shardOf(queue: string, key?: string): string {
    return this.shards.pick(queue, key);
  }

  newId(shard: string): string {
    const id = newTaskId();
    return this.broker.alignTaskId ? this.broker.alignTaskId(shard, id) : id;
  }
}
