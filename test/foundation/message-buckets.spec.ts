import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { TaskAdmin, TaskClient, TaskWorker } from '../../lib';
import { encodeMessageJson } from '../../lib/serialization/task-message';
import { BUCKET_RUN, MESSAGE_BUCKETS, messageBucket, newTaskId, TASK_ID_LENGTH } from '../../lib/utils/task-id';
import { FoundationTasks } from '../fixtures/foundation-tasks';
import { legacyMessagesKey, messageKey, storedBody, storedIds } from '../support/stored-messages';
import { uniquePrefix } from '../support/redis-url';
import { Harness, queueKey, scanAll, waitFor } from './harness';

const HELPERS = readFileSync(join(__dirname, '../../lib/broker/redis/scripts/includes/queue-helpers.lua'), 'utf8');
/** bucketOf of queue-helpers.lua, for every id in ARGV. */
const BUCKETS_IN_LUA = `${HELPERS}\nlocal out = {}\nfor i, id in ipairs(ARGV) do out[i] = bucketOf(id) end\nreturn out`;

describe('messages stored in buckets', () => {
  const h = new Harness();
  afterAll(() => h.closeAll());

  it('a generated id: 22 URL-safe characters, unique, and runs of BUCKET_RUN consecutive ids share a bucket', () => {
    const ids = Array.from({ length: 20 * BUCKET_RUN }, () => newTaskId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(new RegExp(`^[A-Za-z0-9_-]{${TASK_ID_LENGTH}}$`));
    const buckets = ids.map(messageBucket);
    // A new run starts somewhere in the first BUCKET_RUN ids; from there, runs of BUCKET_RUN.
    const start = buckets.findIndex((b, i) => i > 0 && b !== buckets[i - 1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(BUCKET_RUN);
    for (let i = start; i + BUCKET_RUN <= ids.length; i += BUCKET_RUN) {
      expect(new Set(buckets.slice(i, i + BUCKET_RUN))).toEqual(new Set([(buckets[start] + (i - start) / BUCKET_RUN) % MESSAGE_BUCKETS]));
    }
    // The characters that carry the bucket still carry random bits: not every id of a run ends alike.
    expect(new Set(ids.slice(start, start + BUCKET_RUN).map((id) => id.slice(-2))).size).toBeGreaterThan(1);
  });

  it('the bucket of an id is the same in TypeScript and in Lua, for any id (generated, UUID, a caller\'s, any Unicode)', async () => {
    const server = await h.server();
    const redis = h.redis(server.url);
    const ids = [
      ...Array.from({ length: 200 }, () => newTaskId()),
      ...Array.from({ length: 50 }, () => randomUUID()),
      'a', 'é', '~', 'order-42', 'beat:nightly:1796137746738', 'ÿ€', '😀', 'x😀', '😀x', 'A\u0000B', '\ud800', 'a\udc00b',
      ...fc.sample(fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }), { numRuns: 300, seed: 13 }),
    ];
    const lua = (await redis.eval(BUCKETS_IN_LUA, 0, ...ids)) as number[];
    expect(lua).toEqual(ids.map(messageBucket));
    for (const bucket of lua) expect(bucket).toBeGreaterThanOrEqual(0);
    for (const bucket of lua) expect(bucket).toBeLessThan(MESSAGE_BUCKETS);
  });

  it('waiting messages lie in small listpack buckets, none in the old hash; settled, the buckets are gone', async () => {
    const server = await h.server();
    const redis = h.redis(server.url);
    const prefix = uniquePrefix('buckets');
    const app = await h.taskApp({ broker: server.url, prefix });
    const client = app.get(TaskClient);
    const results = await client.delayMany(FoundationTasks, 'greet', Array.from({ length: 1000 }, (_, i) => [`n${i}`] as [string]));

    const buckets = await scanAll(redis, `${legacyMessagesKey(prefix, 'default')}:*`);
    // 1000 consecutive ids of one process: about 1000 / BUCKET_RUN runs.
    expect(buckets.length).toBeGreaterThanOrEqual(Math.floor(1000 / BUCKET_RUN));
    expect(buckets.length).toBeLessThanOrEqual(Math.ceil(1000 / BUCKET_RUN) + 1);
    for (const key of buckets) {
      expect(await redis.object('ENCODING', key)).toBe('listpack');
      expect(await redis.hlen(key)).toBeLessThanOrEqual(BUCKET_RUN);
    }
    expect(await redis.exists(legacyMessagesKey(prefix, 'default'))).toBe(0);
    expect((await storedIds(redis, prefix, 'default')).sort()).toEqual(results.map((r) => r.id).sort());
    expect(await redis.hexists(messageKey(prefix, 'default', results[7].id), results[7].id)).toBe(1);

    await app.get(TaskWorker).start({ concurrency: 50 });
    await Promise.all(results.map((r) => r.get({ timeout: 20_000 })));
    await waitFor(async () => (await scanAll(redis, `${legacyMessagesKey(prefix, 'default')}*`)).length === 0, 'every bucket to empty');
  });

  it("messages a 0.2 producer left in the old hash still run, and are taken out of it; a taskId there is not enqueued twice", async () => {
    const server = await h.server();
    const redis = h.redis(server.url);
    const prefix = uniquePrefix('legacy');
    const legacy = legacyMessagesKey(prefix, 'default');
    // As 0.2 wrote them: a JSON body in `messages`, the id in `ready`.
    const ids = ['old-1', 'old-2', 'old-3'];
    for (const id of ids) {
      const body = encodeMessageJson({ v: 1, id, task: 'FoundationTasks.greet', args: [id], queue: 'default', sentAt: Date.now(), retries: 0 });
      await redis.hset(legacy, id, body);
      await redis.lpush(queueKey(prefix, 'default', 'ready'), id);
    }
    const app = await h.taskApp({ broker: server.url, prefix });
    const client = app.get(TaskClient);
    const again = await client.applyAsync(FoundationTasks, 'greet', ['new'], { taskId: 'old-2' });
    expect(again.id).toBe('old-2');
    expect(await redis.hget(messageKey(prefix, 'default', 'old-2'), 'old-2')).toBeNull();
    expect(await storedBody(redis, prefix, 'default', 'old-2')).toContain('"old-2"');
    const fresh = await client.delay(FoundationTasks, 'greet', 'fresh');
    // Inspect reads both places: a 0.2 message due later beside a 0.3 one (due after it: in
    // the same millisecond the delayed set would order the two by id).
    const due = Date.now() + 30_000;
    await redis.hset(legacy, 'old-later', encodeMessageJson({ v: 1, id: 'old-later', task: 'FoundationTasks.greet', args: ['later'], queue: 'default', sentAt: Date.now(), retries: 0 }));
    await redis.zadd(queueKey(prefix, 'default', 'delayed'), due, 'old-later');
    const later = await client.applyAsync(FoundationTasks, 'greet', ['new-later'], { countdown: 60_000 });
    const scheduled = await app.get(TaskAdmin).scheduled({ queue: 'default' });
    expect(scheduled.map((s) => [s.id, s.message?.args])).toEqual([
      ['old-later', ['later']],
      [later.id, ['new-later']],
    ]);
    await redis.zrem(queueKey(prefix, 'default', 'delayed'), 'old-later', later.id);
    await redis.hdel(legacy, 'old-later');
    await redis.hdel(messageKey(prefix, 'default', later.id), later.id);

    await app.get(TaskWorker).start();
    await expect(fresh.get({ timeout: 10_000 })).resolves.toBe('hello, fresh');
    for (const id of ids) await expect(client.result(id).get({ timeout: 10_000 })).resolves.toBe(`hello, ${id}`);
    await waitFor(async () => (await redis.exists(legacy)) === 0, 'the old hash to empty');
    expect(await h.broker(app).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });
});
