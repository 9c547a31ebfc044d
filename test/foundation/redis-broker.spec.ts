import { createHash } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import { TaskClient, TaskState, TaskWorker } from '../../lib';
import type { RedisBroker } from '../../lib/broker/redis/redis-broker';
import { RATE_RELEASE_CHUNK } from '../../lib/broker/redis/redis-rate-limiter';
import { readScript } from '../../lib/broker/redis/script-runner';
import { decodeMessage } from '../../lib/serialization/task-message';
import { FoundationTasks, probe } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, commandCalls, queueKey, scanAll, waitFor } from './harness';
import { messageKey } from '../support/stored-messages';

/**
 * Holds the next script `redis` sends (EVAL or EVALSHA) until `release()`; `held` resolves
 * once it is held. Everything else goes out as usual.
 */
function holdNextScript(redis: Redis): { held: Promise<void>; release: () => void } {
  const send = redis.sendCommand.bind(redis);
  let release!: () => void;
  let onHeld!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  let holding = true;
  redis.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    const [command] = args;
    if (!holding || !/^eval(sha)?$/i.test(command.name)) return send(...args);
    holding = false;
    onHeld();
    void gate.then(() => send(...args));
    return command.promise;
  }) as Redis['sendCommand'];
  return { held, release };
}

describe('Redis broker', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('at-least-once: a task whose worker process is killed mid-task is delivered again and completed by another worker', async () => {
    const prefix = uniquePrefix();
    const visibilityTimeout = 2000;
    const doomed = await h.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, VISIBILITY_TIMEOUT: String(visibilityTimeout) });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix, visibilityTimeout }, []);
    const result = await producer.get(TaskClient).delay(FoundationTasks, 'hangOnFirstDelivery', 60_000);
    await waitFor(async () => (await result.info())?.state === TaskState.STARTED, 'the child to start the task', 10_000);
    expect((await result.info())!.worker).toContain(`:${doomed.pid}:`);

    doomed.child.kill('SIGKILL');
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const rescuer = await h.taskApp({ broker: testRedisUrl(), prefix, visibilityTimeout });
    await rescuer.get(TaskWorker).start();
    await expect(result.get({ timeout: 15_000 })).resolves.toEqual({ deliveries: 2, pid: process.pid });
    // Soon after the dead worker's lease ran out (it was extended at most a lease before the kill).
    expect(Date.now() - killedAt).toBeLessThan(visibilityTimeout + 3000);
    expect((await result.info())!.worker).toBe(rescuer.get(TaskWorker).id);
    expect(await h.broker(producer).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('extends the lease of a running task: a task running 3x visibilityTimeout is delivered once', async () => {
    const prefix = uniquePrefix();
    const visibilityTimeout = 1000;
    probe.reset();
    const first = await h.taskApp({ broker: testRedisUrl(), prefix, visibilityTimeout });
    const second = await h.taskApp({ broker: testRedisUrl(), prefix, visibilityTimeout });
    await first.get(TaskWorker).start({ concurrency: 2 });
    await second.get(TaskWorker).start({ concurrency: 2 });
    const result = await first.get(TaskClient).delay(FoundationTasks, 'longRunner', 3 * visibilityTimeout + 300);
    await expect(result.get({ timeout: 15_000 })).resolves.toEqual({ deliveries: 1, runs: 1 });
    expect(probe.runs.get(result.id)).toBe(1);
    const processed = first.get(TaskWorker).getStats().processed + second.get(TaskWorker).getStats().processed;
    expect(processed).toBe(1);
  });

  it('a message delivered maxDeliveries times without finishing goes to the dead-letter list', async () => {
    const prefix = uniquePrefix();
    const app = await h.taskApp({ broker: testRedisUrl(), prefix, maxDeliveries: 2 }, []);
    const broker = h.broker(app);
    const result = await app.get(TaskClient).delay(FoundationTasks, 'greet', 'poison');
    // Two "workers" lease it and vanish (a 1 ms lease that nobody extends or acknowledges).
    const firstLease = await broker.reserve('default', 10, 1);
    expect(firstLease.messages.map((m) => [m.id, m.delivery])).toEqual([[result.id, 1]]);
    // Asking again until the lease has run out and the message comes back (a fetch before that finds nothing).
    const secondLease = await waitFor(async () => {
      const lease = await broker.reserve('default', 10, 1);
      return lease.messages.length > 0 ? lease : undefined;
    }, 'the first lease to run out');
    expect(secondLease.messages.map((m) => [m.id, m.delivery])).toEqual([[result.id, 2]]);
    // Once the second lease runs out, the next fetch moves it to the dead-letter list and gets nothing.
    const third = await waitFor(async () => {
      const lease = await broker.reserve('default', 10, 1);
      return lease.messages.length > 0 || (await broker.deadLetters('default')).length > 0 ? lease : undefined;
    }, 'the second lease to run out');
    expect(third.messages).toEqual([]);
    const dead = await broker.deadLetters('default');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ id: result.id, reason: expect.stringMatching(/delivered 2 times/) });
    expect(decodeMessage(dead[0].raw!, { id: dead[0].id, queue: 'default' })).toMatchObject({ id: result.id, task: 'FoundationTasks.greet', args: ['poison'] });
  });

  it('a stale acknowledgement (after the lease ran out and the message went elsewhere) is ignored', async () => {
    const prefix = uniquePrefix();
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const broker = h.broker(app);
    const result = await app.get(TaskClient).delay(FoundationTasks, 'greet', 'twice');
    const lost = await broker.reserve('default', 1, 1);
    // Asking until the 1 ms lease has run out and the message comes back.
    const current = await waitFor(async () => {
      const lease = await broker.reserve('default', 1, 60_000);
      return lease.messages.length > 0 ? lease : undefined;
    }, 'the lease to run out');
    expect(current.messages[0]).toMatchObject({ id: result.id, delivery: 2 });
    await broker.settle([{ kind: 'ack', queue: 'default', id: lost.messages[0].id, lease: lost.messages[0].lease }], []);
    expect(await broker.queueSizes('default')).toMatchObject({ active: 1 });
    await broker.settle([{ kind: 'ack', queue: 'default', id: result.id, lease: current.messages[0].lease }], []);
    expect(await broker.queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('a reserve that Redis runs twice (ioredis sends it again when its connection dropped before the reply) leases one batch, not two', async () => {
    const server = await h.server();
    const raw = h.redis(server.url);
    const app = await h.taskApp({ broker: server.url, prefix: uniquePrefix('reserve-twice') }, []);
    const broker = h.broker(app);
    await broker.publish(Array.from({ length: 10 }, (_, i) => ({ id: `m${i}`, queue: 'default', body: `body-${i}` })));
    await broker.reserve('warm-up', 1, 60_000); // loads the script: the reserve below is an EVALSHA
    const reserveSha = createHash('sha1').update(readScript('reserve')).digest('hex');
    // What a resend does: the first copy runs and its reply is lost; the client reads the second's.
    const connection = (broker as RedisBroker).connection as Redis;
    const send = connection.sendCommand.bind(connection);
    connection.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
      const [command] = args;
      if (!/^evalsha$/i.test(command.name) || command.args[0] !== reserveSha) return send(...args);
      connection.sendCommand = send;
      void raw.call('evalsha', ...(command.args as string[])).then(() => send(...args));
      return command.promise;
    }) as Redis['sendCommand'];

    const leased = await broker.reserve('default', 4, 60_000);
    // The second run answers from the lease of the first: the same ids, in id order.
    expect(leased.messages.map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'm3']);
    expect(leased.messages.map((m) => m.delivery)).toEqual([1, 1, 1, 1]);
    expect(await broker.queueSizes('default')).toEqual({ ready: 6, delayed: 0, active: 4 });
    await broker.settle(leased.messages.map((m) => ({ kind: 'ack', queue: 'default', id: m.id, lease: m.lease }) as const), []);
    expect(await broker.queueSizes('default')).toEqual({ ready: 6, delayed: 0, active: 0 });
  });

  it('a reserve that takes every ready message clears the wake token: the next wait blocks until a publish, not a spurious wake', async () => {
    const server = await h.server();
    const raw = h.redis(server.url);
    const prefix = uniquePrefix('wake-token');
    const app = await h.taskApp({ broker: server.url, prefix }, []);
    const broker = h.broker(app);
    const wake = queueKey(prefix, 'default', 'wake');
    // Two publishes while nobody waits: the first leaves a token.
    await broker.publish([{ id: 'a', queue: 'default', body: 'body-a' }]);
    await broker.publish([{ id: 'b', queue: 'default', body: 'body-b' }]);
    expect(await raw.llen(wake)).toBe(1);
    // Some left ready: the token stays for the next worker.
    expect((await broker.reserve('default', 1, 60_000)).messages.map((m) => m.id)).toEqual(['a']);
    expect(await raw.llen(wake)).toBe(1);
    expect((await broker.reserve('default', 5, 60_000)).messages.map((m) => m.id)).toEqual(['b']);
    expect(await raw.llen(wake)).toBe(0);

    let published = false;
    const waited = broker.waitForWork(['default'], 30_000).then(() => published);
    await waitFor(async () => ((await raw.info('clients')).match(/blocked_clients:(\d+)/)?.[1] === '1' ? true : undefined), 'the wait to block');
    published = true;
    await broker.publish([{ id: 'c', queue: 'default', body: 'body-c' }]);
    expect(await waited).toBe(true);
  });

  it('a rate change releases a large parked set in bounded script calls, not in one long one', async () => {
    const server = await h.server();
    const redis = h.redis(server.url);
    const app = await h.taskApp({ broker: server.url, prefix: uniquePrefix('rate-release') }, []);
    const broker = h.broker(app);
    const parked = 2.5 * RATE_RELEASE_CHUNK;
    await broker.publish(Array.from({ length: parked }, (_, i) => ({ id: `p${i}`, queue: 'default', body: `body-${i}` })));
    const held = (await broker.reserve('default', parked, 60_000)).messages;
    const eta = Date.now() + 60_000;
    await broker.settle(held.map((m) => ({ kind: 'rate-wait', queue: 'default', id: m.id, lease: m.lease, body: m.body!, eta, task: 'T', issued: Date.now() }) as const), []);
    expect(await broker.queueSizes('default')).toEqual({ ready: 0, delayed: parked, active: 0 });

    // Every command of this server is logged with its arguments: the calls of rate-release.lua are
    // counted, and (Redis 7 logs the commands a script runs, before the script's own entry) what each did.
    const releaseSha = createHash('sha1').update(readScript('rate-release')).digest('hex');
    await broker.setRateLimit('warm-up', '1/s'); // loads the scripts: every call below is an EVALSHA
    await redis.config('SET', 'slowlog-log-slower-than', '0');
    await redis.config('SET', 'slowlog-max-len', '1000000');
    await redis.call('SLOWLOG', 'RESET');
    await broker.setRateLimit('T', '10/s');
    const log = (await redis.call('SLOWLOG', 'GET', '-1')) as Array<[number, number, number, string[]]>;
    await redis.config('SET', 'slowlog-log-slower-than', '10000');
    const movedByCall: number[] = [];
    let moved = 0;
    for (const [, , , args] of [...log].reverse()) {
      if (/^evalsha$/i.test(args[0]) && args[1] === releaseSha) {
        movedByCall.push(moved);
        moved = 0;
      } else if (/^zrem$/i.test(args[0]) && args[1].endsWith(':{default}:delayed')) {
        moved++;
      }
    }

    expect(await broker.queueSizes('default')).toEqual({ ready: parked, delayed: 0, active: 0 });
    // A chunk per call at most: three calls for two and a half chunks.
    expect(movedByCall).toHaveLength(3);
    if (Number(/redis_version:(\d+)/.exec(await redis.info('server'))![1]) >= 7) {
      expect(movedByCall).toEqual([RATE_RELEASE_CHUNK, RATE_RELEASE_CHUNK, parked - 2 * RATE_RELEASE_CHUNK]);
    }
  });

  it('setRateLimit stores the override and resets the slots in one step: two changes at once cannot end mixed', async () => {
    const prefix = uniquePrefix('rate-set');
    const connections = [new IORedis(testRedisUrl()), new IORedis(testRedisUrl())];
    const [first, second] = await Promise.all(
      connections.map(async (redis) => h.broker(await h.taskApp({ broker: { redis }, prefix }, []))),
    );
    try {
      // The first change is held at its first script, while the second change is made whole.
      const hold = holdNextScript(connections[0]);
      const faster = first.setRateLimit('T', '10/s');
      await hold.held;
      await second.setRateLimit('T', '1/m');
      hold.release();
      await faster;

      // The change that finished last holds everywhere: its override, and its spacing.
      expect(await first.rateLimits()).toEqual({ T: '10/s' });
      expect(await first.acquireRateSlot('T', 5000)).toEqual({ wait: 0 });
      expect((await first.acquireRateSlot('T', 5000)).wait).toBeLessThanOrEqual(100);
    } finally {
      await Promise.all(connections.map((redis) => redis.quit()));
    }
  });

  it('a setRateLimit that Redis refuses changes nothing: no override without its new spacing', async () => {
    const prefix = uniquePrefix('rate-refused');
    const broker = h.broker(await h.taskApp({ broker: testRedisUrl(), prefix }, []));
    await broker.setRateLimit('T', '1/m');
    // The task's slots key, overwritten by hand with something that is not a hash.
    await h.redis(testRedisUrl()).set(`${prefix}:{rate}:T`, 'garbage');
    await expect(broker.setRateLimit('T', '10/s')).rejects.toThrow(/WRONGTYPE/);
    expect(await broker.rateLimits()).toEqual({ T: '1/m' });
  });

  it('keys: only under the prefix, every queue key with the {queue} hash tag, and no KEYS command', async () => {
    const server = await h.server();
    const prefix = uniquePrefix('keys');
    const worker = await h.taskApp({ broker: server.url, prefix });
    await worker.get(TaskWorker).start({ queues: ['default', 'emails'] });
    const client = worker.get(TaskClient);
    const redis = h.redis(server.url);

    const results = [
      await client.delay(FoundationTasks, 'greet', 'plain'),
      await client.applyAsync(FoundationTasks, 'greet', ['prio'], { priority: 5, queue: 'emails' }),
      await client.applyAsync(FoundationTasks, 'greet', ['later'], { countdown: 100 }),
      await client.delay(FoundationTasks, 'fail', 'failed'),
      ...(await client.delayMany(FoundationTasks, 'greet', [['m1'], ['m2']])),
    ];
    const pending = await client.applyAsync(FoundationTasks, 'greet', ['far'], { countdown: 60_000 });
    const unconsumed = await client.applyAsync(FoundationTasks, 'greet', ['x'], { queue: 'reports' });
    await redis.lpush(queueKey(prefix, 'default', 'ready'), 'garbage-id');
    await client.delay(FoundationTasks, 'greet', 'wake');
    await Promise.allSettled(results.map((r) => r.get({ timeout: 5000 })));
    await waitFor(async () => (await h.broker(worker).deadLetters('default')).length === 1, 'the dead letter', 5000);
    expect(pending.id).toBeTruthy();
    expect(unconsumed.id).toBeTruthy();

    const keys = await scanAll(redis);
    expect(keys.length).toBeGreaterThan(5);
    const queues = ['default', 'emails', 'reports'];
    for (const key of keys) {
      expect({ key, underPrefix: key.startsWith(`${prefix}:`) }).toEqual({ key, underPrefix: true });
      const tagged = /^[^{]*:\{([^}]+)\}:/.exec(key);
      if (tagged) {
        expect(queues).toContain(tagged[1]);
      } else {
        // A key outside a queue's slot names no queue (namespace keys: results, the queue set, ...).
        const segments = key.slice(prefix.length + 1).split(':');
        expect({ key, namesAQueue: segments.some((segment) => queues.includes(segment)) }).toEqual({ key, namesAQueue: false });
      }
    }
    expect(keys).toEqual(expect.arrayContaining([`${prefix}:queues`, ...results.map((r) => `${prefix}:result:${r.id}`)]));
    expect(keys).toEqual(
      expect.arrayContaining([
        queueKey(prefix, 'default', 'delayed'),
        messageKey(prefix, 'default', pending.id),
        queueKey(prefix, 'default', 'dead'),
        queueKey(prefix, 'reports', 'ready'),
      ]),
    );
    const calls = await commandCalls(redis);
    expect(calls.keys).toBeUndefined();
    expect(calls.flushdb).toBeUndefined();
    expect(calls.flushall).toBeUndefined();
  });
});
