import { Injectable } from '@nestjs/common';
import IORedis, { type Redis } from 'ioredis';
import { currentTask, Task, TaskClient, TaskWorker } from '../../lib';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { createBroker, type Broker } from '../../lib/internal';
import type { ResultRecord } from '../../lib/serialization/result-record';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { encodeMessageJson } from '../../lib/serialization/task-message';
import { uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';
import { Harness, queueKey } from './harness';

const LONG = 60_000;

function success(id: string): ResultRecord {
  return { id, state: 'SUCCESS', task: 'Announce.run', queue: 'q', result: id };
}

/**
 * On one node a ready result is announced only to waiters in the registry (`<prefix>:waiters`),
 * to anyone for a 0.2 producer's task, and to everyone while a pattern subscription exists.
 * A Redis of its own: the count of PUBLISH calls (INFO commandstats) is this spec's alone.
 */
describe('announcing ready results on one Redis node', () => {
  let server: RedisServerHandle;
  let broker: Broker;
  let admin: Redis;
  const connections: Redis[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    broker = createBroker(resolveTaskConfig({ broker: server.url, prefix: 'announce' }));
    await broker.connect();
    admin = new IORedis(server.url);
  });

  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    admin?.disconnect();
    await broker?.close();
    await server?.stop();
  });

  async function publishes(): Promise<number> {
    const stats = await admin.info('commandstats');
    return Number(/cmdstat_publish:calls=(\d+)/.exec(stats)?.[1] ?? 0);
  }

  /** A raw subscriber of `channel`, as a client that does not register its waits (0.2) has; the messages it got. */
  async function subscriber(channel: string): Promise<string[]> {
    const connection = new IORedis(server.url);
    connections.push(connection);
    const got: string[] = [];
    connection.on('message', (_channel: string, message: string) => got.push(message));
    await connection.subscribe(channel);
    return got;
  }

  it("announces to registered waiters only, and to any subscriber a 0.2 producer's task (announceToAnyone)", async () => {
    const unregistered = await subscriber('announce:done:unregistered');
    const old = await subscriber('announce:done:from-0.2');
    const waited = broker.waitForResult('waited', 10_000);
    await waitFor(async () => (await admin.zscore('announce:waiters', 'waited')) !== null, 'the waiter to register');
    await waitFor(async () => ((await admin.pubsub('NUMSUB', 'announce:done:waited')) as [string, number])[1] === 1, 'the waiter to subscribe');
    const before = await publishes();
    await broker.storeResults([
      ...['alone-1', 'unregistered', 'alone-2', 'waited'].map((id) => ({ record: success(id), ttl: LONG })),
      { record: success('from-0.2'), ttl: LONG, announceToAnyone: true },
    ]);
    await expect(waited).resolves.toEqual(success('waited'));
    await waitFor(() => old.length === 1, 'the 0.2 waiter to hear its result');
    expect(JSON.parse(old[0])).toEqual(success('from-0.2'));
    // Two announcements: the subscriber that did not register heard nothing.
    expect((await publishes()) - before).toBe(2);
    expect(unregistered).toEqual([]);
    // Announced, the id left the registry; stored all the same.
    expect(await admin.zscore('announce:waiters', 'waited')).toBeNull();
    expect(await broker.getResult('unregistered')).toEqual(success('unregistered'));
  });

  it('a waiter that reads a stored result leaves the registry; an entry that ran out is dropped and announces nothing', async () => {
    await broker.storeResults([{ record: success('early'), ttl: LONG }]);
    await expect(broker.waitForResult('early', 10_000)).resolves.toEqual(success('early'));
    await waitFor(async () => (await admin.zscore('announce:waiters', 'early')) === null, 'the reader to leave the registry');

    // A waiter that went away without a word: its entry ran out a second ago.
    await admin.zadd('announce:waiters', Date.now() - 1000, 'gone');
    const heard = await subscriber('announce:done:gone');
    const before = await publishes();
    await broker.storeResults([{ record: success('gone'), ttl: LONG }]);
    expect(await admin.zscore('announce:waiters', 'gone')).toBeNull();
    expect((await publishes()) - before).toBe(0);
    expect(heard).toEqual([]);
    expect(await broker.getResult('gone')).toEqual(success('gone'));
  });

  it('a wait without a timeout registers until a day later; the longest wait on an id keeps its entry', async () => {
    const short = broker.waitForResult('shared', 300);
    await waitFor(async () => (await admin.zscore('announce:waiters', 'shared')) !== null, 'the short wait to register');
    const shortUntil = Number(await admin.zscore('announce:waiters', 'shared'));
    const long = broker.waitForResult('shared');
    await waitFor(async () => Number(await admin.zscore('announce:waiters', 'shared')) > shortUntil, 'the long wait to extend the entry');
    expect(Number(await admin.zscore('announce:waiters', 'shared'))).toBeGreaterThan(Date.now() + 86_000_000);
    await expect(short).resolves.toBeNull();
    // The short wait ran out; the long one is still announced.
    await broker.storeResults([{ record: success('shared'), ttl: LONG }]);
    await expect(long).resolves.toEqual(success('shared'));
  });

  it('announces every ready result for an ACL user that may not run PUBSUB (and stores them)', async () => {
    await admin.acl('SETUSER', 'no-pubsub', 'on', '>secret', '~*', '&*', '+@all', '-pubsub');
    const limited = createBroker(resolveTaskConfig({ broker: server.url.replace('redis://', 'redis://no-pubsub:secret@'), prefix: 'announce' }));
    await limited.connect();
    try {
      const heard = await subscriber('announce:done:acl-2');
      const before = await publishes();
      await limited.storeResults(['acl-1', 'acl-2', 'acl-3'].map((id) => ({ record: success(id), ttl: LONG })));
      await waitFor(() => heard.length === 1, 'the subscriber to hear its result');
      expect(JSON.parse(heard[0])).toEqual(success('acl-2'));
      expect((await publishes()) - before).toBe(3);
      expect(await limited.getResult('acl-3')).toEqual(success('acl-3'));
    } finally {
      await limited.close();
    }
  });

  it('publishes every ready result while anyone has a pattern subscription', async () => {
    const pattern = new IORedis(server.url);
    connections.push(pattern);
    const heard: string[] = [];
    pattern.on('pmessage', (_pattern: string, _channel: string, message: string) => heard.push(message));
    await pattern.psubscribe('announce:done:p-*');
    const before = await publishes();
    await broker.storeResults(['p-1', 'p-2', 'p-3'].map((id) => ({ record: success(id), ttl: LONG })));
    await waitFor(() => heard.length === 3, 'the pattern subscriber to hear all three');
    expect(heard.map((message) => (JSON.parse(message) as ResultRecord).id)).toEqual(['p-1', 'p-2', 'p-3']);
    expect((await publishes()) - before).toBe(3);
  });
});

@Injectable()
class OldProducerTasks {
  @Task({ name: 'old.flaky', maxRetries: 1, retryDelay: 10 })
  flaky(value: string): string {
    if (currentTask().retries === 0) throw new Error('the first attempt fails');
    return value;
  }
}

describe("a 0.2 producer's waits, against workers of this release", () => {
  const h = new Harness();
  afterAll(() => h.closeAll());

  it('its get() subscribes without registering, and still hears the result, after a retry too; a new task is announced to registered waiters only', async () => {
    const server = await h.server();
    const redis = h.redis(server.url);
    const prefix = uniquePrefix('old-waits');
    // As 0.2 wrote a message: a JSON body in `messages`, the id in `ready`; its get() is a bare SUBSCRIBE.
    const listener = h.redis(server.url);
    const heard: string[] = [];
    listener.on('message', (_channel: string, message: string) => heard.push(message));
    await listener.subscribe(`${prefix}:done:old-1`, `${prefix}:done:new-1`);
    await redis.hset(queueKey(prefix, 'default', 'messages'), 'old-1', encodeMessageJson({ v: 1, id: 'old-1', task: 'old.flaky', args: ['kept'], queue: 'default', sentAt: Date.now(), retries: 0 }));
    await redis.lpush(queueKey(prefix, 'default', 'ready'), 'old-1');

    const app = await h.taskApp({ broker: server.url, prefix }, [OldProducerTasks]);
    const client = app.get(TaskClient);
    await app.get(TaskWorker).start();
    await waitFor(() => heard.length === 1, "the 0.2 waiter to hear its task's result");
    expect(JSON.parse(heard[0])).toMatchObject({ id: 'old-1', state: 'SUCCESS', result: 'kept', retries: 1 });

    // A task of this release: its registered waiter hears it, the bare subscriber does not.
    const fresh = await client.applyAsync(OldProducerTasks, 'flaky', ['new'], { taskId: 'new-1' });
    await expect(fresh.get({ timeout: 10_000 })).resolves.toBe('new');
    expect(heard).toHaveLength(1);
  });
});
