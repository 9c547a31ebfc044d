import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { decodeMessage } from '../../lib/serialization/task-message';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { Harness, isAlive, queueKey, waitFor, type InProcessWorker, type WorkerProcess } from '../reliability/harness';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { messageKey } from '../support/stored-messages';

/** One write of random content into a queue's keys. */
interface Write {
  where: 'ready' | 'prio' | 'delayed' | 'active';
  id: string;
  score: number;
  /** The stored body for the id; null: none. */
  body: Buffer | string | null;
  /** Stored in the hash that 0.2's messages are left in, rather than in the id's bucket. */
  legacy: boolean;
}

const good = (id: string) => JSON.stringify({ v: 1, id, task: 'ReliabilityTasks.whereAmI', args: [id], queue: 'fuzz', sentAt: Date.now(), retries: 0 });

/** Random bytes, random JSON, a good message with a field replaced by random JSON, or a good one under another id. */
const body = (id: string): fc.Arbitrary<Buffer | string | null> =>
  fc.oneof(
    fc.constant(null),
    fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
    fc.json(),
    fc.tuple(fc.constantFrom('v', 'id', 'task', 'args', 'queue', 'sentAt', 'retries', 'eta', 'expires', 'priority', 'chain', 'chord', 'link'), fc.jsonValue()).map(
      ([field, value]) => JSON.stringify({ ...JSON.parse(good(id)), [field]: value }),
    ),
    fc.constant(good(`not-${id}`)),
  );

/** Random content, of the right type, in the namespace's other keys: revocations, rate limits, results, chords, beat, monitoring. */
interface NamespaceWrite {
  kind: 'revoked' | 'ratelimits' | 'rate' | 'rate-changes' | 'result' | 'chord' | 'beat-state' | 'workers' | 'control';
  field: string;
  value: Buffer | string;
  score: number;
}

const namespaceWrite: fc.Arbitrary<NamespaceWrite> = fc.record({
  kind: fc.constantFrom('revoked' as const, 'ratelimits' as const, 'rate' as const, 'rate-changes' as const, 'result' as const, 'chord' as const, 'beat-state' as const, 'workers' as const, 'control' as const),
  field: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('ReliabilityTasks.whereAmI', 'marker-0', 'last', 'next')),
  value: fc.oneof(fc.uint8Array({ maxLength: 48 }).map((bytes) => Buffer.from(bytes)), fc.json(), fc.string({ maxLength: 24 })),
  score: fc.oneof(fc.constant(-Infinity), fc.constant(Infinity), fc.integer({ min: -1e6, max: 2 ** 52 })),
});

const write: fc.Arbitrary<Write> = fc
  .record({
    where: fc.constantFrom('ready' as const, 'prio' as const, 'delayed' as const, 'active' as const),
    id: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `fz-${s}`),
    // In the past (due at once), or far ahead (held): -inf and +inf included.
    score: fc.oneof(fc.constant(-Infinity), fc.constant(Infinity), fc.integer({ min: -1e6, max: 0 }), fc.integer({ min: 1, max: 2 ** 52 })),
    legacy: fc.boolean(),
  })
  .chain((w) => body(w.id).map((b) => ({ ...w, body: b })));

/**
 * Random bytes and random JSON written straight into a queue's keys while a worker
 * process consumes it: the worker never dies, good tasks sent after each batch run,
 * and every stored message that cannot be decoded, and is due, ends dead-lettered.
 */
describe('fuzzing the keys of a queue under a running worker', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('fuzz');
  const seed = Number(process.env.FUZZ_SEED) || Date.now() % 2 ** 31;
  let redis: Redis;
  let producer: InProcessWorker;
  let worker: WorkerProcess;

  beforeAll(async () => {
    redis = harness.redis(testRedisUrl());
    producer = await harness.app({ broker: testRedisUrl(), prefix });
    worker = await harness.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: 'fuzz', CONCURRENCY: 4, VISIBILITY_TIMEOUT: 1000, MAX_DELIVERIES: 2 });
  }, 60_000);
  afterAll(() => harness.closeAll());

  it(`survives 10 batches of 25 random writes into its queue and 10 into the namespace's other keys (seed ${seed})`, async () => {
    const batches = fc.sample(fc.array(write, { minLength: 25, maxLength: 25 }), { numRuns: 10, seed });
    const elsewhere = fc.sample(fc.array(namespaceWrite, { minLength: 10, maxLength: 10 }), { numRuns: 10, seed: seed + 1 });
    const mustDie = new Set<string>();
    const written = new Map<string, number>();
    const key = (part: Parameters<typeof queueKey>[2]) => queueKey(prefix, 'fuzz', part);
    for (const [round, batch] of batches.entries()) {
      const multi = redis.multi();
      for (const w of batch) {
        if (w.where === 'ready') multi.lpush(key('ready'), w.id);
        // The active set's members are `id|lease-token` (the id is what precedes the last '|').
        else multi.zadd(key(w.where), w.score, w.where === 'active' ? `${w.id}|fuzz` : w.id);
        if (w.where === 'prio') multi.hset(key('pri'), w.id, String(1 + (Math.abs(w.score) % 9)));
        if (w.body !== null) multi.hset(w.legacy ? key('messages') : messageKey(prefix, 'fuzz', w.id), w.id, w.body);
        const due = w.where === 'ready' || w.where === 'prio' || w.score <= 0;
        if (due && !decodable(w.id, w.body)) mustDie.add(w.id);
        written.set(w.id, (written.get(w.id) ?? 0) + 1);
      }
      for (const w of elsewhere[round]) {
        const at = `${prefix}:`;
        if (w.kind === 'revoked') multi.zadd(`${at}revoked`, w.score, w.value);
        // Under names no task has: a random value that happens to be a valid rate must not slow the markers.
        else if (w.kind === 'ratelimits') multi.hset(`${at}{rate}limits`, `fz-${w.field}`, w.value);
        else if (w.kind === 'rate') multi.hset(`${at}{rate}:ReliabilityTasks.whereAmI`, w.field, w.value);
        else if (w.kind === 'rate-changes') multi.hset(key('rate-changes' as Parameters<typeof queueKey>[2]), w.field, w.value);
        else if (w.kind === 'result') multi.set(`${at}result:fz-${w.field}`, w.value);
        else if (w.kind === 'chord') multi.hset(`${at}chord:{fz-${w.field}}:parts`, w.field, w.value);
        else if (w.kind === 'beat-state') multi.hset(`${at}{beat}:state`, w.field, w.value);
        else if (w.kind === 'workers') multi.hset(`${at}workers`, w.field, w.value);
        // Any control message but a real command for this worker (a random shutdown would be obeyed, rightly).
        else if (!/shutdown|rate-limit|revoke/.test(String(w.value))) multi.publish(`${at}control`, w.value);
      }
      await multi.exec();
      const marker = await producer.client.applyAsync(ReliabilityTasks, 'whereAmI', [`marker-${round}`], { queue: 'fuzz' });
      await expect(marker.get({ timeout: 20_000 })).resolves.toMatchObject({ pid: worker.pid });
      expect(isAlive(worker.pid)).toBe(true);
    }
    // An id written more than once may have been run or dead-lettered under either write: only single writes are checked.
    for (const [id, times] of written) if (times > 1) mustDie.delete(id);
    expect(mustDie.size).toBeGreaterThan(100);
    const deadIds = async () => new Set((await redis.lrange(key('dead'), 0, -1)).map((entry) => (JSON.parse(entry) as { id: string }).id));
    await waitFor(async () => {
      const dead = await deadIds();
      return [...mustDie].every((id) => dead.has(id));
    }, `every undecodable due message in the dead-letter list (seed ${seed})`, 30_000, 100).catch(async (error: Error) => {
      const dead = await deadIds();
      const missing = [...mustDie].filter((id) => !dead.has(id));
      throw new Error(`${error.message}; missing ${JSON.stringify(missing.slice(0, 10))} of ${mustDie.size}`);
    });
    expect(worker.isRunning()).toBe(true);
    expect(worker.output()).not.toMatch(/Unhandled|TypeError|RangeError/);
  }, 180_000);

  /** Decodable into a message of its own id. */
  function decodable(id: string, stored: Buffer | string | null): boolean {
    if (stored === null) return false;
    try {
      return decodeMessage(Buffer.isBuffer(stored) ? stored.toString('utf8') : stored).id === id;
    } catch {
      return false;
    }
  }
});
