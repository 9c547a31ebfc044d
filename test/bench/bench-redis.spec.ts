import IORedis, { type Redis } from 'ioredis';
import { connect } from 'node:net';
import { startPrivateRedis } from '../../bench/redis/private-redis';
import { deleteKeysWithPrefix } from '../../bench/redis/key-cleanup';
import { snapshotRedis, usageBetween } from '../../bench/redis/redis-stats';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

describe('bench Redis helpers', () => {
  let redis: Redis;
  beforeAll(() => (redis = new IORedis(testRedisUrl())));
  afterAll(() => redis.quit());

  it('deletes the keys under its prefix and nothing else', async () => {
    const mine = `${uniquePrefix('bench-own')}:`;
    const neighbour = `${mine.slice(0, -1)}x:`; // same start, different namespace
    const glob = `${uniquePrefix('bench-glob')}*?[]:`; // glob characters are taken literally
    for (let i = 0; i < 2500; i++) await redis.set(`${mine}k${i}`, '1');
    await redis.set(`${neighbour}k`, 'keep');
    await redis.set(`${glob}k`, 'gone');
    await redis.set(`${glob.replace('*?[]', 'abc')}k`, 'keep');

    expect(await deleteKeysWithPrefix(redis, mine)).toBe(2500);
    expect(await deleteKeysWithPrefix(redis, glob)).toBe(1);
    expect(await redis.exists(`${mine}k0`, `${mine}k2499`)).toBe(0);
    expect(await redis.get(`${neighbour}k`)).toBe('keep');
    expect(await redis.get(`${glob.replace('*?[]', 'abc')}k`)).toBe('keep');
    await redis.del(`${neighbour}k`, `${glob.replace('*?[]', 'abc')}k`);
  });

  it('refuses a prefix short enough to hit keys it does not own', async () => {
    await expect(deleteKeysWithPrefix(redis, 'b:')).rejects.toThrow(/short prefix "b:"/);
  });

  it('measures the commands and CPU of Redis between two snapshots, without its own INFO calls', async () => {
    const key = `${uniquePrefix('bench-stats')}:counter`;
    const before = await snapshotRedis(redis);
    for (let i = 0; i < 50; i++) await redis.incr(key);
    const usage = usageBetween(before, await snapshotRedis(redis));
    expect(usage.calls.incr).toBeGreaterThanOrEqual(50);
    expect(usage.calls.info).toBeUndefined();
    expect(usage.totalCalls).toBeGreaterThanOrEqual(50);
    expect(usage.cpuMs).toBeGreaterThanOrEqual(0);
    await redis.del(key);
  });

  it('starts a private redis-server without persistence and stops it', async () => {
    const server = await startPrivateRedis();
    const client = new IORedis(server.url);
    expect(await client.config('GET', 'save')).toEqual(['save', '']);
    expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
    await client.quit();
    await server.stop();
    const port = Number(new URL(server.url).port);
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket.end()));
        socket.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
