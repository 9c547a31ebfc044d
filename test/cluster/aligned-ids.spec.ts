import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { Task, TaskClient, TaskWorker } from '../../lib';
import { alignId } from '../../lib/broker/redis/cluster/aligned-id';
import { keySlot } from '../../lib/broker/redis/cluster/key-slot';
import { RedisKeys } from '../../lib/broker/redis/redis-keys';
import { messageBucket, newTaskId } from '../../lib/utils/task-id';
import { createApp } from '../support/apps';
import { startRedisCluster } from '../support/redis-cluster';
import { uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const TASK_ID = /^[A-Za-z0-9_-]{22}$/;

@Injectable()
class AlignedTasks {
  @Task({ queue: 'hot', maxRetries: 0 })
  noop(n: number): number {
    return n;
  }
}

describe('task ids fitted to their shard on a Cluster', () => {
  it("alignId puts the result key in any slot asked for, and changes only an id's first five characters (its bucket kept)", () => {
    const keys = new RedisKeys('tasks', true);
    for (let i = 0; i < 50; i++) {
      const slot = Math.floor(Math.random() * 16384);
      const id = newTaskId();
      const aligned = alignId(id, slot);
      expect(keySlot(keys.result(aligned))).toBe(slot);
      expect(aligned).toMatch(TASK_ID);
      expect(aligned.slice(5)).toBe(id.slice(5));
      expect(messageBucket(aligned)).toBe(messageBucket(id));
      // A UUID (an id of an earlier version, or a caller's) is fitted the same way, and stays a UUID.
      const uuid = randomUUID();
      const alignedUuid = alignId(uuid, slot);
      expect(keySlot(keys.result(alignedUuid))).toBe(slot);
      expect(alignedUuid).toMatch(UUID);
      expect(alignedUuid.slice(5)).toBe(uuid.slice(5));
    }
    // An id of the caller's own is left as it is.
    expect(alignId('order-42', 7)).toBe('order-42');
    // On one node result keys keep their plain names.
    expect(new RedisKeys('tasks').result('abc')).toBe('tasks:result:abc');
  });

  it("a worker stores a fetch's results in one script call per shard, not one per task", async () => {
    // A cluster of its own: the script calls counted are this test's alone.
    const cluster = await startRedisCluster(3);
    const prefix = uniquePrefix('aligned');
    const app = await createApp({ broker: cluster.url, prefix, queues: { hot: { shards: 3 } } }, [AlignedTasks]);
    const nodes = cluster.nodes.map((node) => new IORedis(node.port, node.host));
    try {
      const client = app.get(TaskClient);
      const results = await client.delayMany(AlignedTasks, 'noop', Array.from({ length: 3000 }, (_, i) => [i] as [number]));
      const shards = new Map([['hot', 0], ['hot#1', 0], ['hot#2', 0]]);
      const keys = new RedisKeys(prefix, true);
      for (const result of results) {
        expect(result.id).toMatch(TASK_ID);
        const slot = keySlot(keys.result(result.id));
        const shard = [...shards.keys()].find((name) => keySlot(keys.queue(name).ready) === slot);
        expect(shard).toBeDefined();
        shards.set(shard!, shards.get(shard!)! + 1);
      }
      expect([...shards.values()]).toEqual([1000, 1000, 1000]);

      const calls = async () => {
        let total = 0;
        for (const node of nodes) total += Number(/cmdstat_evalsha:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
        return total;
      };
      const before = await calls();
      await app.get(TaskWorker).start({ queues: ['hot'], concurrency: 50 });
      await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
      // Reserve, acknowledge and store results: a few script calls per fetch of up to 50, not one per task.
      expect((await calls()) - before).toBeLessThan(3000 * 0.5);
    } finally {
      nodes.forEach((node) => node.disconnect());
      await app.close();
      await cluster.stop();
    }
  });

  it('announces a ready result only when someone waits for it (a PUBLISH on a Cluster reaches every node)', async () => {
    const cluster = await startRedisCluster(3);
    const app = await createApp({ broker: cluster.url, prefix: uniquePrefix('waiters'), queues: { hot: { shards: 3 } } }, [AlignedTasks]);
    const nodes = cluster.nodes.map((node) => new IORedis(node.port, node.host));
    const publishes = async () => {
      let total = 0;
      for (const node of nodes) total += Number(/cmdstat_publish:calls=(\d+)/.exec(await node.info('commandstats'))?.[1] ?? 0);
      return total;
    };
    try {
      const client = app.get(TaskClient);
      await app.get(TaskWorker).start({ queues: ['hot'], concurrency: 20 });
      const before = await publishes();
      const unwatched = await client.delayMany(AlignedTasks, 'noop', Array.from({ length: 200 }, (_, i) => [i] as [number]));
      await waitFor(async () => (await Promise.all(unwatched.map((r) => r.state()))).every((state) => state === 'SUCCESS'), 'the 200 to succeed');
      // Nobody waited: stored, not announced.
      expect((await publishes()) - before).toBe(0);
      // A waiter gets its result announced: get() resolves while the task is still to run.
      const watched = await client.applyAsync(AlignedTasks, 'noop', [7], { countdown: 300 });
      await expect(watched.get({ timeout: 10_000 })).resolves.toBe(7);
      expect((await publishes()) - before).toBe(1);
    } finally {
      nodes.forEach((node) => node.disconnect());
      await app.close();
      await cluster.stop();
    }
  });
});
