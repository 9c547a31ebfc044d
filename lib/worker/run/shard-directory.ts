import type { MessageQueue } from '../../broker/ports/message-queue';
import type { QueueShards } from '../../routing/queue-shards';
import { parseShardName } from '../../config/shard-names';

/**
 * The physical queues behind each queue a worker consumes: its configured shards, and
 * shards that hold messages but are no longer configured (`shards` was lowered), so
 * that they are drained. Looked up again by `refresh()`.
 */
export class ShardDirectory {
  private readonly extra = new Map<string, string[]>();

  constructor(
    private readonly queues: readonly string[],
    private readonly shards: QueueShards,
    private readonly broker: Pick<MessageQueue, 'knownQueues' | 'queueSizes'>,
  ) {}

  /** The shards of `queue` to fetch from. */
  of(queue: string): readonly string[] {
    const configured = this.shards.names(queue);
    const extra = this.extra.get(queue);
    return extra && extra.length > 0 ? [...configured, ...extra] : configured;
  }

  /** Finds the leftover shards that still hold messages. */
  async refresh(): Promise<void> {
    const consumed = new Set(this.queues);
    const leftovers = new Map<string, string[]>();
    for (const name of await this.broker.knownQueues()) {
      const { queue, shard } = parseShardName(name);
      if (!consumed.has(queue) || shard < this.shards.count(queue)) continue;
      const sizes = await this.broker.queueSizes(name);
      if (sizes.ready + sizes.delayed + sizes.active === 0) continue;
      let list = leftovers.get(queue);
      if (!list) leftovers.set(queue, (list = []));
      list.push(name);
    }
    this.extra.clear();
    for (const [queue, list] of leftovers) this.extra.set(queue, list.sort());
  }
}
