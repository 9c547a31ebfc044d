import type { Redis } from 'ioredis';
import { Injectable } from '@nestjs/common';
import { Task, TaskAdmin, TaskClient, TaskConfigError, TaskDashboardModule } from '../../lib/internal';
import { AccountTasks, runningKey } from '../fixtures/concurrency-tasks';
import { Marks } from '../fixtures/reliability-tasks';
import { readMarks, waitFor, type WorkerProcess } from '../reliability/harness';
import { runCli } from '../ops/support/cli-runner';
import { createHttpApp, httpRequest } from '../ops/support/http-app';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { TestResources } from '../support/test-resources';

const QUEUE = 'accounts';

/**
 * Concurrency keys end to end: three worker processes (concurrency 4 each) share one
 * queue whose tasks are limited to 2 per account.
 */
describe('concurrency keys across worker processes', () => {
  const resources = new TestResources();
  let redis: Redis;

  beforeAll(() => {
    redis = resources.redis(testRedisUrl());
  });
  afterAll(() => resources.closeAll());

  async function setUp(prefix: string, workers: number, env: Record<string, string | number> = {}) {
    const producer = await resources.taskApp({ broker: testRedisUrl(), prefix }, [AccountTasks, Marks]);
    const started: WorkerProcess[] = [];
    for (let i = 0; i < workers; i++) {
      started.push(await resources.spawnWorker('concurrency-worker-main', { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: QUEUE, CONCURRENCY: 4, ...env }));
    }
    return { client: producer.get(TaskClient), admin: producer.get(TaskAdmin), workers: started };
  }

  it('never runs more than the limit of one key at a time, and reaches it; other keys run beside it', async () => {
    const prefix = uniquePrefix('ck-limit');
    const { client } = await setUp(prefix, 3);
    const results = await client.delayMany(AccountTasks, 'charge', [
      ...Array.from({ length: 30 }, () => ['acme', 40] as [string, number]),
      ...Array.from({ length: 10 }, () => ['globex', 40] as [string, number]),
    ]);
    const seen = await Promise.all(results.map((r) => r.get({ timeout: 30_000 })));
    const acme = seen.slice(0, 30);
    const globex = seen.slice(30);
    // What each run saw at its start: the runs of its account in progress, itself included.
    expect(Math.max(...acme)).toBe(2);
    expect(Math.max(...globex)).toBe(2);
    expect(Math.min(...seen)).toBeGreaterThanOrEqual(1);
    // The runs really spread over the processes.
    const pids = new Set((await readMarks(redis, prefix, 'acme')).map((m) => m.pid));
    expect(pids.size).toBeGreaterThan(1);
    expect(await redis.get(runningKey(prefix, 'acme'))).toBe('0');
  });

  it("a flooded key does not hold up another key's single task: it starts before the flood's next runs", async () => {
    const prefix = uniquePrefix('ck-fair');
    const { client, admin } = await setUp(prefix, 3);
    const flood = await client.delayMany(AccountTasks, 'charge', Array.from({ length: 80 }, () => ['flood', 300] as [string, number]));
    // The flood fills its two slots and lines the rest up.
    await waitFor(async () => (await readMarks(redis, prefix, 'flood')).length >= 2, 'the flood to start');
    await waitFor(async () => ((await admin.concurrencyKeys(QUEUE))[0]?.waiting ?? 0) > 30, 'the flood to line up');
    const startedBefore = (await readMarks(redis, prefix, 'flood')).length;
    const lone = await client.delay(AccountTasks, 'charge', 'lone', 10);
    const sentAt = Date.now();
    await expect(lone.get({ timeout: 10_000 })).resolves.toBe(1);
    const [loneStart] = await readMarks(redis, prefix, 'lone');
    const floodStarts = (await readMarks(redis, prefix, 'flood')).filter((m) => m.at <= loneStart.at);
    // Without keys it would start after the 12 slots took 12 of the flood and more; with
    // them, at most the two that replaced finished runs (the flood runs two at a time) started between.
    expect(floodStarts.length - startedBefore).toBeLessThanOrEqual(2);
    // Within one task's runtime of the flood (300 ms), with slack for a busy machine.
    expect(loneStart.at - sentAt).toBeLessThan(300 + 1000);
    // What operators see: the key at its limit, with its line.
    const cliEnv = { REDIS_URL: testRedisUrl(), NEST_TASKS_PREFIX: prefix };
    const keys = await runCli(['inspect', 'keys', '--json'], cliEnv);
    expect(JSON.parse(keys.stdout)).toEqual([{ queue: QUEUE, key: 'Account.charge:flood', admitted: 2, waiting: expect.any(Number) }]);
    const table = await runCli(['inspect', 'keys'], cliEnv);
    expect(table.stdout).toMatch(/^accounts\s+Account\.charge:flood\s+\d+\s+2$/m);
    const { app: http, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({})], { providers: [] });
    resources.track(http);
    const page = await httpRequest(`${url}/tasks/queues`);
    expect(page.body).toMatch(/<tr data-key="Account.charge:flood"><td class="mono">accounts<\/td><td class="mono">Account.charge:flood<\/td><td class="num">\d+<\/td><td class="num">2<\/td><\/tr>/);
    expect(page.body).toMatch(/<tr data-queue="accounts">.*<td class="num" data-col="key-waiting">[1-9]\d*<\/td>/);
    expect(await admin.purge(QUEUE)).toBeGreaterThan(0);
    expect(flood.length).toBe(80);
    expect(await admin.concurrencyKeys(QUEUE)).toEqual([]);
  });

  it("a killed worker's slots come back when its leases run out; nothing is left counted", async () => {
    const prefix = uniquePrefix('ck-kill');
    const { client, admin, workers } = await setUp(prefix, 1, { VISIBILITY_TIMEOUT: 1500 });
    const [doomed] = workers;
    const hanging = await client.delayMany(AccountTasks, 'hangOnce', [['initech', true], ['initech', true]]);
    await waitFor(async () => (await readMarks(redis, prefix, 'initech')).length === 2, 'both to start on the doomed worker');
    const waiting = await client.delayMany(AccountTasks, 'hangOnce', [['initech', false], ['initech', false], ['initech', false]]);
    await waitFor(async () => (await admin.concurrencyKeys(QUEUE))[0]?.waiting === 3, 'the rest to line up');
    // A healthy worker gets none of them while the doomed one holds both slots.
    const healthy = await resources.spawnWorker('concurrency-worker-main', { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: QUEUE, CONCURRENCY: 4, VISIBILITY_TIMEOUT: 1500 });
    process.kill(doomed.pid, 'SIGKILL');
    await doomed.exited;
    // The two come back when their leases run out (delivery 2 returns at once), then the three.
    expect(await Promise.all(hanging.map((r) => r.get({ timeout: 20_000 })))).toEqual([2, 2]);
    expect(await Promise.all(waiting.map((r) => r.get({ timeout: 20_000 })))).toEqual([1, 1, 1]);
    const marks = await readMarks(redis, prefix, 'initech');
    expect(marks.filter((m) => m.pid === healthy.pid)).toHaveLength(5);
    // Nothing leaked: no slot held, no line, and the key admits at once again.
    await waitFor(async () => (await admin.queues()).find((q) => q.name === QUEUE)?.active === 0, 'the last ack');
    expect(await admin.concurrencyKeys(QUEUE)).toEqual([]);
    const keys = await redis.keys(`${prefix}:{${QUEUE}}:ck:*`);
    expect(keys.filter((key) => !key.endsWith(':ck:of'))).toEqual([]);
    expect(await redis.hlen(`${prefix}:{${QUEUE}}:ck:of`)).toBe(0);
  });

  it('refuses a key without a limit, and a key that is not a string, at the call', async () => {
    const prefix = uniquePrefix('ck-bad');
    const producer = await resources.taskApp({ broker: 'memory://', prefix }, [AccountTasks, Marks]);
    const client = producer.get(TaskClient);
    await expect(client.send('Some.task', [], { concurrencyKey: 'a' })).rejects.toThrow(TaskConfigError);
    await expect(client.send('Some.task', [], { concurrencyKey: 'a' })).rejects.toThrow(/concurrencyLimit/);
    await expect(client.send('Some.task', [], { concurrencyLimit: 2 })).rejects.toThrow(/concurrencyKey/);
    await expect(client.send('Some.task', [], { concurrencyKey: '', concurrencyLimit: 2 })).rejects.toThrow(TaskConfigError);
    await expect(client.send('Some.task', [], { concurrencyKey: 'a', concurrencyLimit: 0 })).rejects.toThrow(TaskConfigError);
    await expect(client.delay(AccountTasks, 'charge', 42 as unknown as string, 1)).rejects.toThrow(/concurrency\.key/);
  });

  it('refuses bad concurrency options when the class is defined, and acksLate: false from the module defaults at start-up', async () => {
    const define = (options: object) => () => {
      class Tasks {
        @Task(options)
        run(): void {}
      }
      return Tasks;
    };
    expect(define({ concurrency: { limit: 0 } })).toThrow(/concurrency\.limit.*an integer from 1 to 100000/);
    expect(define({ concurrency: { key: () => 'k' } })).toThrow(/concurrency\.limit/);
    expect(define({ concurrency: { limit: 2, key: 'account' } })).toThrow(/concurrency.*\{ limit, key\?/);
    expect(define({ concurrency: { limit: 2 }, acksLate: false })).toThrow(/acksLate: true/);
    @Injectable()
    class Limited {
      @Task({ name: 'Limited.run', concurrency: { limit: 1 } })
      run(): void {}
    }
    await expect(resources.taskApp({ broker: 'memory://', defaults: { acksLate: false } }, [Limited])).rejects.toThrow(/@Task\(Limited\.run\)\.concurrency.*acksLate: true/);
  });
});
