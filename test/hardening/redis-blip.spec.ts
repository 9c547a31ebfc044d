import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { RedisBroker } from '../../lib/internal';
import type { RemoteReply } from '../../lib/broker/ports/control-protocol';
import { startRedisServer, type RedisServerHandle } from '../support/redis-server';
import { uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

/** Redis is away when a pub/sub connection is first needed, then comes back. */
describe('a Redis blip at the first subscription', () => {
  let server: RedisServerHandle;
  let broker: RedisBroker;
  let quiet: jest.SpyInstance;

  beforeAll(async () => {
    // The connection errors this causes are logged (see below): keep them out of the test output.
    quiet = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    server = await startRedisServer();
    broker = new RedisBroker(server.url, { prefix: uniquePrefix('blip'), maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 50 });
    await broker.connect();
  });

  afterAll(async () => {
    await broker.close();
    await server.stop();
    quiet.mockRestore();
  });

  it('fails the calls made while Redis is away, and result waits and remote-control replies work once it is back', async () => {
    const monitoring = broker.openMonitoringStore({ eventsMaxLen: 100 });
    try {
      await server.halt();
      await expect(broker.waitForResult('early', 2000)).rejects.toThrow();
      await expect(monitoring.replies.listen(() => undefined)).rejects.toThrow();
      await server.resume();
      await waitFor(async () => (await broker.queueSizes('q').then(() => true, () => false)) || undefined, 'the command connection to reconnect');

      const waiting = broker.waitForResult('after', 10_000);
      await waitFor(async () => {
        await broker.storeResults([{ record: { id: 'after', state: 'SUCCESS', task: 't', result: 42 }, ttl: 60_000 }]);
        return true;
      }, 'the result to be stored');
      expect(await waiting).toMatchObject({ id: 'after', state: 'SUCCESS', result: 42 });

      const received: RemoteReply[] = [];
      const channel = await monitoring.replies.listen((reply) => received.push(reply));
      const reply: RemoteReply = { requestId: 'r1', worker: 'w1', ok: true, value: 'pong' };
      await monitoring.replies.send(channel, reply);
      await waitFor(() => received.length > 0, 'the reply to arrive');
      expect(received).toEqual([reply]);
    } finally {
      await monitoring.close();
    }
  });
});

describe('connection errors', () => {
  it('are logged with the address, at most once per 10 s while they repeat, and the return is logged too', async () => {
    const server = await startRedisServer();
    const broker = new RedisBroker(server.url, { prefix: uniquePrefix('blip-log'), maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 50 });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const about = (spy: jest.SpyInstance) => spy.mock.calls.map(([message]) => String(message)).filter((m) => m.includes(`connection to ${broker.description}`));
    try {
      await broker.connect();
      await server.halt();
      await waitFor(() => about(warn).length > 0, 'an error of the command connection to be logged');
      // ioredis retries every 100-200 ms meanwhile: several errors, one line.
      const reconnects: number[] = [];
      broker.connection.on('reconnecting', () => reconnects.push(Date.now()));
      await waitFor(() => reconnects.length >= 3, 'three reconnect attempts');
      expect(about(warn)).toHaveLength(1);
      expect(about(warn)[0]).toMatch(/^Redis command connection to redis:\/\/127\.0\.0\.1:\d+\/0: /);
      await server.resume();
      await waitFor(() => about(log).some((m) => m.endsWith('is back')), 'the return to be logged');
    } finally {
      warn.mockRestore();
      log.mockRestore();
      await broker.close();
      await server.stop();
    }
  });
});

/**
 * ioredis never answers a command held by a connection dropped between reconnect attempts.
 * The chaos soak once left a worker that answered ping but never fetched again: its wait
 * for work ended while its blocking connection was reconnecting, the connection was
 * dropped, and the BLPOP it held was awaited for good.
 */
describe('a blocking command whose connection cannot reconnect', () => {
  let server: RedisServerHandle;
  let admin: IORedis;
  let broker: RedisBroker;
  let quiet: jest.SpyInstance;

  beforeEach(async () => {
    server = await startRedisServer();
    admin = new IORedis(server.url);
    broker = new RedisBroker(server.url, { prefix: uniquePrefix('blip-blocked'), maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 50 });
    quiet = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await broker.connect();
  });

  afterEach(async () => {
    quiet.mockRestore();
    admin.disconnect();
    await broker.close();
    await server.stop();
  });

  it('a wait for work ends when woken, and the next wait is woken by a publish', async () => {
    let ended = false;
    void broker.waitForWork(['q'], 60_000).then(() => (ended = true));
    await killAndRefuseReconnects(admin, 'blpop');
    await broker.interrupt();
    await waitFor(() => ended, 'the wait to end', 5000);
    await admin.config('SET', 'maxclients', '10000');

    const next = broker.waitForWork(['q'], 60_000);
    await waitFor(async () => parseClients(await admin.client('LIST')).some((c) => c.cmd === 'blpop'), 'a new BLPOP to block');
    await broker.publish([{ id: 'woken', queue: 'q', body: '{}' }]);
    await expect(next).resolves.toBeUndefined();
  });

  it('a read of the event stream ends when the store closes (a dashboard or event tail stopping at shutdown does not hang)', async () => {
    const monitoring = broker.openMonitoringStore({ eventsMaxLen: 100 });
    try {
      let ended = false;
      void monitoring.events.readAfter('0-0', 10, 60_000).then(
        () => (ended = true),
        () => (ended = true),
      );
      await killAndRefuseReconnects(admin, 'xread');
      await monitoring.events.close();
      await waitFor(() => ended, 'the read to end', 5000);
    } finally {
      await monitoring.close();
    }
  });
});

/**
 * Kills the connection blocked in `command` once it blocks, and lets no new connection in
 * (maxclients one below the count): it keeps retrying, with a growing pause between tries.
 */
async function killAndRefuseReconnects(admin: IORedis, command: string): Promise<void> {
  const blocked = await waitFor(async () => parseClients(await admin.client('LIST')).find((c) => c.cmd === command), `the ${command} to block`);
  const connected = parseClients(await admin.client('LIST')).length;
  await admin.config('SET', 'maxclients', String(connected - 1));
  await admin.client('KILL', 'ID', blocked.id);
  await waitFor(async () => Number(/rejected_connections:(\d+)/.exec(await admin.info('stats'))?.[1]) >= 4, 'four refused reconnects');
}

function parseClients(list: unknown): Array<Record<string, string>> {
  return String(list)
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split(' ').map((pair) => pair.split('=') as [string, string])));
}
