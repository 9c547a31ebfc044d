import { TaskClient, TaskFailedError, TaskState, TaskWorker } from '../../lib';
import { FoundationTasks } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, waitFor } from './harness';
import { legacyMessagesKey, messageKey, storedCount } from '../support/stored-messages';

describe('failures and undecodable messages', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function setup() {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    return { prefix, worker, producer, client: producer.get(TaskClient), redis: h.redis(testRedisUrl()) };
  }

  it('a task that throws ends FAILURE and the worker goes on', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const failed = await client.delay(FoundationTasks, 'fail', 'nope');
    await expect(failed.get({ timeout: 5000 })).rejects.toBeInstanceOf(TaskFailedError);
    await expect(failed.state()).resolves.toBe(TaskState.FAILURE);
    expect((await failed.info())!.error).toMatchObject({ name: 'TypeError', message: 'nope' });
    await expect((await client.delay(FoundationTasks, 'greet', 'next')).get({ timeout: 5000 })).resolves.toBe('hello, next');
  });

  it('a result that is not JSON-safe (a class instance) ends FAILURE naming the problem', async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'classResult');
    await expect(result.get({ timeout: 5000 })).rejects.toMatchObject({
      remoteName: 'TaskResultError',
      remoteMessage: expect.stringMatching(/instance of NotPlain/),
    });
  });

  it("a task name the worker does not know ends FAILURE naming it; the worker goes on", async () => {
    const { worker, client } = await setup();
    await worker.get(TaskWorker).start();
    const unknown = await client.send('Nope.nope', [1, 2]);
    const error = (await unknown.get({ timeout: 5000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.remoteName).toBe('UnknownTaskError');
    expect(error.remoteMessage).toContain("'Nope.nope'");
    expect(worker.get(TaskWorker).isRunning).toBe(true);
    await expect((await client.delay(FoundationTasks, 'greet', 'still here')).get({ timeout: 5000 })).resolves.toBe('hello, still here');
  });

  it('undecodable messages go to the dead-letter list with the reason; the worker lives and good tasks still run', async () => {
    const { prefix, worker, client, redis } = await setup();
    const ready = queueKey(prefix, 'default', 'ready');
    // In the buckets, as 0.3 stores them; the late garbage in the hash that messages of 0.2 are left in.
    const legacy = legacyMessagesKey(prefix, 'default');
    const valid = { v: 1, id: 'x', task: 'FoundationTasks.greet', args: ['a'], queue: 'default', sentAt: 1, retries: 0 };
    const garbage: Record<string, string | null> = {
      'no-body': null,
      'not-json': '{this is not json',
      'not-object': '[1,2,3]',
      'wrong-version': JSON.stringify({ ...valid, id: 'wrong-version', v: 99 }),
      'no-task': JSON.stringify({ ...valid, id: 'no-task', task: undefined }),
      'args-not-array': JSON.stringify({ ...valid, id: 'args-not-array', args: 'a' }),
      'bad-retries': JSON.stringify({ ...valid, id: 'bad-retries', retries: -1 }),
    };
    for (const [id, body] of Object.entries(garbage)) {
      if (body !== null) await redis.hset(messageKey(prefix, 'default', id), id, body);
      await redis.lpush(ready, id);
    }
    const before = await client.delay(FoundationTasks, 'greet', 'before');

    await worker.get(TaskWorker).start();
    await expect(before.get({ timeout: 5000 })).resolves.toBe('hello, before');
    const broker = h.broker(worker);
    const dead = await waitFor(async () => {
      const letters = await broker.deadLetters('default');
      return letters.length === Object.keys(garbage).length ? letters : null;
    }, 'every bad message to be dead-lettered', 5000);

    const byId = new Map(dead.map((letter) => [letter.id, letter]));
    expect([...byId.keys()].sort()).toEqual(Object.keys(garbage).sort());
    expect(byId.get('no-body')!.reason).toMatch(/no stored message/);
    expect(byId.get('not-json')!.reason).toMatch(/not JSON/);
    expect(byId.get('not-json')!.raw).toBe('{this is not json');
    expect(byId.get('not-object')!.reason).toMatch(/not a JSON object/);
    expect(byId.get('wrong-version')!.reason).toMatch(/version/);
    expect(byId.get('no-task')!.reason).toMatch(/task name/);
    expect(byId.get('args-not-array')!.reason).toMatch(/args/);
    expect(byId.get('bad-retries')!.reason).toMatch(/retries/);
    for (const letter of dead) expect(letter.at).toBeGreaterThan(0);

    // Nothing of them is left in the queue's live structures.
    expect(await storedCount(redis, prefix, 'default')).toBe(0);
    expect(await h.broker(worker).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });

    // Garbage arriving while the worker runs is handled the same way.
    await redis.hset(legacy, 'late-garbage', 'garbage');
    await redis.lpush(ready, 'late-garbage');
    const after = await client.delay(FoundationTasks, 'greet', 'after');
    await expect(after.get({ timeout: 5000 })).resolves.toBe('hello, after');
    await waitFor(async () => (await broker.deadLetters('default')).some((l) => l.id === 'late-garbage'), 'late garbage dead-lettered', 5000);
    expect(await redis.exists(legacy)).toBe(0);
    expect(worker.get(TaskWorker).isRunning).toBe(true);
  });
});
