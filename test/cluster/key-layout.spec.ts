import { randomBytes } from 'node:crypto';
import IORedis, { Cluster } from 'ioredis';
import { RedisBroker } from '../../lib/internal';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { keySlot } from '../../lib/broker/redis/cluster/key-slot';
import { RedisKeys } from '../../lib/broker/redis/redis-keys';
import { testClusterNodes, testRedisUrl, uniquePrefix } from '../support/redis-url';

describe('key layout', () => {
  it('keySlot agrees with CLUSTER KEYSLOT for plain keys, hash tags, empty tags and UTF-8', async () => {
    const node = testClusterNodes()[0];
    const redis = new IORedis({ ...node, lazyConnect: true });
    await redis.connect();
    try {
      const keys = ['', 'a', 'tasks:{default}:ready', 'x{}y', '{}', '{a', 'a}b{c}', 'a{b}{c}', 'päckchen:{ü}', 'ü:{abc}x', 'grüße', '{{x}}', ...Array.from({ length: 200 }, () => randomBytes(12).toString('base64'))];
      for (const key of keys) expect([key, keySlot(key)]).toEqual([key, Number(await redis.call('CLUSTER', 'KEYSLOT', key))]);
    } finally {
      redis.disconnect();
    }
  });

  it('every key one script touches shares a slot: a queue, a chord, the scheduler, the rate limits', () => {
    const keys = new RedisKeys('tasks');
    const sameSlot = (list: string[]) => new Set(list.map(keySlot)).size;
    expect(sameSlot([...keys.queue('emails').list, keys.uniqueLock('emails', 'x'), keys.rateWaiting('emails', 't'), keys.rateChanges('emails'), keys.rateReleasing('emails', 't', 'r')])).toBe(1);
    expect(sameSlot(keys.chord('c1'))).toBe(1);
    expect(sameSlot(Object.values(keys.beat))).toBe(1);
    expect(sameSlot([keys.rate('A.a'), keys.rate('B.b'), keys.rateLimits])).toBe(1);
    // The minutes of one chart series (read as one pipeline): one slot per series.
    expect(sameSlot([keys.minuteStats('throughput', 29_000_000), keys.minuteStats('throughput', 29_000_059)])).toBe(1);
    expect(sameSlot([...keys.queue('emails#3').list, keys.uniqueLock('emails#3', 'x'), keys.rateWaiting('emails#3', 't')])).toBe(1);
    // and different queues do not all land in one slot
    expect(sameSlot(['a', 'b', 'c', 'd'].map((q) => keys.queue(q).ready))).toBeGreaterThan(1);
  });

  it("a sharded queue's shards spread over the masters: one per master for 3 shards, two each for 6", async () => {
    const cluster = new Cluster(testClusterNodes(), { lazyConnect: true });
    await cluster.connect();
    try {
      const keys = new RedisKeys('spread');
      for (const queue of ['emails', 'reports', 'webhooks']) {
        for (const shards of [3, 6]) {
          const owners = new Map<string, number>();
          for (let i = 0; i < shards; i++) {
            const owner = cluster.slots[keySlot(keys.queue(i === 0 ? queue : `${queue}#${i}`).ready)][0];
            owners.set(owner, (owners.get(owner) ?? 0) + 1);
          }
          expect([queue, shards, [...owners.values()].sort()]).toEqual([queue, shards, shards === 3 ? [1, 1, 1] : [2, 2, 2]]);
        }
      }
    } finally {
      cluster.disconnect();
    }
  });

  it('moves the 0.1 keys of the scheduler and the runtime rate limits to their tagged names on connect, keeping newer ones', async () => {
    const prefix = uniquePrefix('layout');
    const redis = new IORedis(testRedisUrl());
    const keys = new RedisKeys(prefix);
    try {
      await redis
        .multi()
        .hset(`${prefix}:beat:schedules`, 'nightly', '{"old":1}')
        .hset(`${prefix}:beat:enabled`, 'nightly', '0')
        .hset(`${prefix}:beat:state`, 'nightly', '{"next":1}')
        .set(`${prefix}:beat:version`, '7')
        .hset(`${prefix}:ratelimits`, 'A.send', '10/m')
        .hset(`${prefix}:rate:A.send`, 'interval', '6000')
        // already written under the new name by a newer instance: it wins
        .hset(`${prefix}:beat:pending`, 'old', '1')
        .hset(keys.beat.pending, 'new', '1')
        .exec();
      const broker = new RedisBroker(testRedisUrl(), { prefix, maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 10 });
      await broker.connect();
      try {
        expect(await redis.hgetall(keys.beat.definitions)).toEqual({ nightly: '{"old":1}' });
        expect(await redis.hgetall(keys.beat.switches)).toEqual({ nightly: '0' });
        expect(await redis.get(keys.beat.version)).toBe('7');
        expect(await broker.rateLimits()).toEqual({ 'A.send': '10/m' });
        expect(await redis.hget(keys.rate('A.send'), 'interval')).toBe('6000');
        expect(await redis.hgetall(keys.beat.pending)).toEqual({ new: '1' });
        expect(await redis.exists(`${prefix}:beat:schedules`, `${prefix}:ratelimits`, `${prefix}:rate:A.send`)).toBe(0);
      } finally {
        await broker.close();
      }
    } finally {
      const left = await redis.keys(`${prefix}:*`);
      if (left.length > 0) await redis.del(...left);
      redis.disconnect();
    }
  });

  it('a cluster URL and cluster options are accepted; bad ones fail at start-up naming the option', () => {
    expect(() => resolveTaskConfig({ broker: 'redis+cluster://a:7000,b:7001' })).not.toThrow();
    expect(() => resolveTaskConfig({ broker: { cluster: [{ host: 'a', port: 7000 }] } })).not.toThrow();
    expect(() => resolveTaskConfig({ broker: 'redis+cluster://' })).toThrow(/broker.*at least one node/s);
    expect(() => resolveTaskConfig({ broker: 'redis+cluster://:secret@a:7000,b:x' })).toThrow(/host:port/);
    expect(() => resolveTaskConfig({ broker: 'redis+cluster://:secret@a:7000,b:x' })).not.toThrow(/secret/);
    expect(() => resolveTaskConfig({ broker: 'redis+cluster://a:7000/3' })).toThrow(/database 0 only/);
    expect(() => resolveTaskConfig({ broker: { cluster: [] } })).toThrow(/broker\.cluster/);
    expect(() => resolveTaskConfig({ broker: 'redis+sentinel://s1:26379' })).toThrow(/master name/);
    expect(() => resolveTaskConfig({ broker: 'redis+sentinel://s1,s2:26380/mymaster/2' })).not.toThrow();
  });
});
