import IORedis, { type Redis } from 'ioredis';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { createBroker, type Broker } from '../../lib/internal';
import type { ResultRecord } from '../../lib/serialization/result-record';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { waitFor } from '../support/wait';

const LONG = 60_000;

function success(id: string): ResultRecord {
  return { id, state: 'SUCCESS', task: 'Announce.run', queue: 'q', result: id };
}

/**
 * On one node a ready result is announced only on channels someone subscribed to. A Redis of
 * its own: the count of PUBLISH calls (INFO commandstats) is this spec's alone.
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

  /** A raw subscriber of `channel`, as a client that does not mark its waits (0.2) has; the messages it got. */
  async function subscriber(channel: string): Promise<string[]> {
    const connection = new IORedis(server.url);
    connections.push(connection);
    const got: string[] = [];
    connection.on('message', (_channel: string, message: string) => got.push(message));
    await connection.subscribe(channel);
    return got;
  }

  it('publishes to a subscriber that never marked its wait, and not where nobody listens', async () => {
    const heard = await subscriber('announce:done:listened');
    const waited = broker.waitForResult('waited', 10_000);
    // The waiter is subscribed once its channel counts a subscriber.
    await waitFor(async () => ((await admin.pubsub('NUMSUB', 'announce:done:waited')) as [string, number])[1] === 1, 'the waiter to subscribe');
    const before = await publishes();
    await broker.storeResults(['alone-1', 'listened', 'alone-2', 'waited', 'alone-3'].map((id) => ({ record: success(id), ttl: LONG })));
    await expect(waited).resolves.toEqual(success('waited'));
    await waitFor(() => heard.length === 1, 'the raw subscriber to hear its result');
    expect(JSON.parse(heard[0])).toEqual(success('listened'));
    expect((await publishes()) - before).toBe(2);
    // Stored all the same.
    expect(await broker.getResult('alone-2')).toEqual(success('alone-2'));
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
