import type { Redis } from 'ioredis';
import { TASK_BROKER, type Broker } from '../../lib/internal';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, readMarks, readResult, waitFor, type InProcessWorker, type WorkerProcess } from './harness';
import { messageKey, storedIds } from '../support/stored-messages';

/**
 * Garbage written straight into every key of a queue's namespace, around good
 * tasks, under a worker process: it must not die, must run the good tasks, and
 * must move every undecodable message to the dead-letter list.
 */
describe('garbage in Redis', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('rel-garbage');
  const queue = 'default';
  const key = (part: Parameters<typeof queueKey>[2]) => queueKey(prefix, queue, part);
  let redis: Redis;
  let producer: InProcessWorker;
  let worker: WorkerProcess;

  const good = (id: string) =>
    JSON.stringify({ v: 1, id, task: 'ReliabilityTasks.whereAmI', args: [id], queue, sentAt: Date.now(), retries: 0 });

  /** Bodies that cannot be decoded into a task message, by id. */
  const badBodies: Record<string, string> = {
    'g-notjson': '{{{ not json',
    'g-truncated': good('g-truncated').slice(0, 40),
    'g-array': '[1,2,3]',
    'g-null': 'null',
    'g-number': '42',
    'g-string': '"just a string"',
    'g-empty': '',
    'g-shape': '{"v":1,"id":"g-shape"}',
    'g-args': JSON.stringify({ ...JSON.parse(good('g-args')), args: 'not an array' }),
    'g-version': JSON.stringify({ ...JSON.parse(good('g-version')), v: 99 }),
    'g-retries': JSON.stringify({ ...JSON.parse(good('g-retries')), retries: -1 }),
    'g-expires': JSON.stringify({ ...JSON.parse(good('g-expires')), expires: 'tomorrow' }),
    'g-huge-number': good('g-huge-number').replace('"retries":0', '"retries":1e999'),
  };

  /** Writes garbage into every list, sorted set and hash of the queue; returns the ids that must be dead-lettered. */
  async function writeGarbage(tag: string, stored: 'buckets' | 'pre-0.3 hash'): Promise<string[]> {
    const dead: string[] = [];
    const multi = redis.multi();
    const hashOf = (id: string) => (stored === 'buckets' ? messageKey(prefix, queue, id) : key('messages'));
    // ready list: ids with no stored message, and ids with undecodable bodies
    for (const id of [`${tag}-missing`, `${tag}`]) {
      multi.lpush(key('ready'), id);
      dead.push(id);
    }
    for (const [name, body] of Object.entries(badBodies)) {
      const id = `${tag}-${name}`;
      multi.hset(hashOf(id), id, body);
      multi.lpush(key('ready'), id);
      dead.push(id);
    }
    // not UTF-8 at all
    multi.hset(hashOf(`${tag}-binary`), `${tag}-binary`, Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]));
    multi.lpush(key('ready'), `${tag}-binary`);
    dead.push(`${tag}-binary`);
    // prio set: odd scores, missing and bad bodies
    multi.zadd(key('prio'), '-inf', `${tag}-prio-missing`, 0, `${tag}-prio-bad`, 1e300, `${tag}-prio-shape`);
    multi.hset(hashOf(`${tag}-prio-bad`), `${tag}-prio-bad`, '<xml/>');
    multi.hset(hashOf(`${tag}-prio-shape`), `${tag}-prio-shape`, '{"task":1}');
    dead.push(`${tag}-prio-missing`, `${tag}-prio-bad`, `${tag}-prio-shape`);
    // delayed set: already due, missing and bad bodies
    multi.zadd(key('delayed'), '-inf', `${tag}-delayed-missing`, 1, `${tag}-delayed-bad`);
    multi.hset(hashOf(`${tag}-delayed-bad`), `${tag}-delayed-bad`, '{"v":1,');
    dead.push(`${tag}-delayed-missing`, `${tag}-delayed-bad`);
    // active set: leases that ran out long ago, of ids nobody holds
    multi.zadd(key('active'), 0, `${tag}-active-missing`, 1, `${tag}-active-bad`);
    multi.hset(hashOf(`${tag}-active-bad`), `${tag}-active-bad`, 'garbage');
    dead.push(`${tag}-active-missing`, `${tag}-active-bad`);
    // delivery counts and priorities that are not numbers
    multi.zadd(key('active'), 2, `${tag}-lost-leased`);
    multi.hset(key('lost'), `${tag}-lost-leased`, 'many', `${tag}-lost-ready`, 'x');
    multi.lpush(key('ready'), `${tag}-lost-ready`);
    multi.hset(key('pri'), `${tag}-lost-ready`, 'high', `${tag}-prio-bad`, '{}');
    dead.push(`${tag}-lost-leased`, `${tag}-lost-ready`);
    // messages that look right but whose result Redis would refuse to store (PX 0, PX Infinity)
    multi.hset(hashOf(`${tag}-ttl-zero`), `${tag}-ttl-zero`, JSON.stringify({ ...JSON.parse(good(`${tag}-ttl-zero`)), resultExpires: 0 }));
    multi.hset(hashOf(`${tag}-ttl-inf`), `${tag}-ttl-inf`, good(`${tag}-ttl-inf`).replace('"retries":0', '"retries":0,"resultExpires":1e999'));
    multi.lpush(key('ready'), `${tag}-ttl-zero`, `${tag}-ttl-inf`);
    dead.push(`${tag}-ttl-zero`, `${tag}-ttl-inf`);
    // the FIFO counter of priorities
    multi.set(key('seq'), 'not a counter');
    // wake list and dead list
    multi.rpush(key('wake'), 'not a token', '', '{"x":1}');
    multi.lpush(key('dead'), 'not json', '{"id":5}', '[]');
    // namespace-wide: revoked ids, runtime rate limits, the control channel
    multi.zadd(`${prefix}:revoked`, '+inf', '', 1, 'g-revoked-long-ago');
    multi.hset(`${prefix}:{rate}limits`, 'ReliabilityTasks.whereAmI', 'banana', 'NoSuch.task', '');
    await multi.exec();
    for (const message of ['not json', '[]', 'null', '{"type":5}', '{"type":"revoke","ids":"g-x"}', '{"type":"revoke","ids":[1,null,{}],"terminate":"yes"}', '{"type":"rate-limit","task":"ReliabilityTasks.whereAmI","rate":{}}', '{"type":"resync"}']) {
      await redis.publish(`${prefix}:control`, message);
    }
    return dead;
  }

  beforeAll(async () => {
    redis = harness.redis(testRedisUrl());
    producer = await harness.app({ broker: testRedisUrl(), prefix });
  });
  afterAll(() => harness.closeAll());

  it('no worker dies, good tasks run, and every piece of garbage ends in the dead-letter list', async () => {
    const broker = producer.app.get<Broker>(TASK_BROKER);
    const before = await Promise.all([0, 1, 2].map((i) => producer.client.delay(ReliabilityTasks, 'whereAmI', `good-before-${i}`)));
    const deadBefore = await writeGarbage('g1', 'buckets');
    const unknown = await producer.client.send('NoSuch.task', [1]);

    worker = await harness.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, CONCURRENCY: 4, VISIBILITY_TIMEOUT: 1000 });
    for (const r of before) await expect(r.get({ timeout: 15_000 })).resolves.toMatchObject({ pid: worker.pid });

    // More garbage while it runs, then more good tasks.
    const deadDuring = await writeGarbage('g2', 'pre-0.3 hash');
    const after = await Promise.all([0, 1, 2].map((i) => producer.client.delay(ReliabilityTasks, 'whereAmI', `good-after-${i}`)));
    for (const r of after) await expect(r.get({ timeout: 15_000 })).resolves.toMatchObject({ pid: worker.pid });
    const urgent = await producer.client.applyAsync(ReliabilityTasks, 'whereAmI', ['good-priority'], { priority: 7 });
    await expect(urgent.get({ timeout: 15_000 })).resolves.toMatchObject({ pid: worker.pid, deliveries: 1 });

    const expected = [...deadBefore, ...deadDuring];
    const deadIds = async () => new Set((await broker.deadLetters(queue, 1000)).map((d) => d.id));
    await waitFor(async () => {
      const ids = await deadIds();
      return expected.every((id) => ids.has(id));
    }, 'all the garbage in the dead-letter list', 20_000, 100).catch(async (error: Error) => {
      const ids = await deadIds();
      throw new Error(`${error.message}; missing: ${JSON.stringify(expected.filter((id) => !ids.has(id)))}\n${worker.output().split('\n').filter((l) => /WARN|ERROR/.test(l)).slice(0, 30).join('\n')}`);
    });

    const letters = await broker.deadLetters(queue, 1000);
    for (const [name, body] of Object.entries(badBodies)) {
      const letter = letters.find((d) => d.id === `g2-${name}`)!;
      expect(letter.raw).toBe(body);
      expect(letter.reason).not.toBe('');
    }
    expect(letters.find((d) => d.id === 'g1-missing')!.reason).toMatch(/no stored message/);
    // Unreadable entries already in the dead list are reported, not thrown on.
    expect(letters.filter((d) => d.reason === 'unreadable dead letter').length).toBeGreaterThanOrEqual(2);

    // A well-formed message of a task nobody has fails cleanly instead.
    await expect(unknown.get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'UnknownTaskError' });

    // The queue holds nothing any more but the dead letters.
    await waitFor(async () => {
      const [ready, prio, delayed, active] = await Promise.all([redis.llen(key('ready')), redis.zcard(key('prio')), redis.zcard(key('delayed')), redis.zcard(key('active'))]);
      return ready + prio + delayed + active === 0;
    }, 'the queue to drain');
    expect(await storedIds(redis, prefix, queue)).toEqual([]);

    // Messages whose result Redis would refuse are refused at decode: they never run.
    for (const id of ['g1-ttl-zero', 'g1-ttl-inf', 'g2-ttl-zero', 'g2-ttl-inf']) {
      expect(await readMarks(redis, prefix, id)).toHaveLength(0);
      expect(letters.find((d) => d.id === id)!.reason).toMatch(/resultExpires/);
    }
    // Nothing is left to settle again and again: anything still held back would go out again with
    // the next tasks' writes and be refused again, with a warning. Two tasks, one after the other,
    // so that the first one's warnings are printed before the second one even starts.
    const settleWarnings = () => (worker.output().match(/Could not settle/g) ?? []).length;
    const warned = settleWarnings();
    for (const tag of ['good-last-1', 'good-last-2']) {
      const last = await producer.client.delay(ReliabilityTasks, 'whereAmI', tag);
      await expect(last.get({ timeout: 10_000 })).resolves.toMatchObject({ pid: worker.pid, deliveries: 1 });
      expect(await readResult(redis, prefix, last.id)).toMatchObject({ state: 'SUCCESS' });
    }
    expect(settleWarnings()).toBe(warned);
    expect(worker.isRunning()).toBe(true);
  });
});
