/**
 * Python sends, Nest runs: Celery messages from a real Python producer (test/celery/python)
 * run on a Nest worker consuming a `{ protocol: 'celery' }` queue, and the results are read
 * by Python's AsyncResult.get(). Callbacks go to a real Celery worker.
 */
import { randomUUID } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import type { RedisServerHandle } from '../support/redis-server';
import { BillingTasks } from './celery-tasks';
import { pythonProducer, startCeleryWorker, stopCeleryWorkers } from './celery-support';
import { monitorCommands } from '../support/redis-monitor';

jest.setTimeout(60_000);

describe('Python sends, Nest runs (Celery protocol on a shared Redis)', () => {
  const res = new TestResources();
  let server: RedisServerHandle;
  let redis: Redis;
  let app: INestApplicationContext;

  beforeAll(async () => {
    server = await res.server();
    redis = res.redis(server.url);
    BillingTasks.redisUrl = server.url;
    app = await res.taskApp(
      { broker: server.url, queues: { legacy: { protocol: 'celery' } }, celery: { visibilityTimeout: 5000 }, visibilityTimeout: 3000 },
      [BillingTasks],
    );
    await app.get(TaskWorker).start({ queues: ['legacy'], concurrency: 4 });
    // Callbacks and chain steps routed to Celery's default queue run on a real Celery worker.
    await startCeleryWorker(server.url, ['celery']);
  });

  afterAll(async () => {
    app?.get(BillingTasks).close();
    await stopCeleryWorkers();
    await res.closeAll();
  });

  const py = (command: Record<string, unknown>) => pythonProducer(server.url, command);

  it('protocol 2: args reach the method, kwargs reach a task declared { kwargs: true }, the result reaches AsyncResult.get()', async () => {
    const out = await py({ send: { name: 'billing.charge', args: ['acct-1', 1250], kwargs: { currency: 'USD' }, queue: 'legacy' }, wait: 20 });
    expect(out).toMatchObject({ status: 'SUCCESS', result: { account: 'acct-1', cents: 1250, currency: 'USD', by: 'node' } });
    // Celery's record, as Celery's backend writes it, and nothing left in kombu's bookkeeping.
    const meta = JSON.parse((await redis.get(`celery-task-meta-${out.id}`))!) as Record<string, unknown>;
    expect(meta).toMatchObject({ status: 'SUCCESS', task_id: out.id, traceback: null, children: [] });
    expect(await redis.pttl(`celery-task-meta-${out.id}`)).toBeGreaterThan(86_000_000);
    await waitFor(async () => (await redis.hlen('unacked')) + (await redis.zcard('unacked_index')) === 0, 'the message to leave unacked');
  });

  it('protocol 1 messages run too', async () => {
    const out = await py({ send: { name: 'billing.add', args: [20, 22], queue: 'legacy', protocol: 1 }, wait: 20 });
    expect(out).toMatchObject({ status: 'SUCCESS', result: 42 });
  });

  it("a Node error reaches Python as an exception of the Node error's name and message", async () => {
    const out = await py({ send: { name: 'billing.refuse', args: ['card expired'], queue: 'legacy' }, wait: 20 });
    expect(out).toMatchObject({ status: 'FAILURE', error: { type: 'PaymentDeclinedError', message: 'card expired' } });
  });

  it('kwargs sent to a task that does not accept them: FAILURE with a clear error', async () => {
    const out = await py({ send: { name: 'billing.add', args: [1, 2], kwargs: { round: true }, queue: 'legacy' }, wait: 20 });
    expect(out.status).toBe('FAILURE');
    expect(out.error?.type).toBe('UnexpectedKwargsError');
    expect(out.error?.message).toMatch(/billing\.add.*keyword arguments \(round\).*@Task\(\{ kwargs: true \}\)/);
  });

  it('an unknown task name: a NotRegistered FAILURE, so the Python caller is not left waiting', async () => {
    const out = await py({ send: { name: 'billing.nobody', args: [], queue: 'legacy' }, wait: 20 });
    expect(out).toMatchObject({ status: 'FAILURE', error: { type: 'NotRegistered', module: 'celery.exceptions' } });
    expect(out.error?.message).toMatch(/billing\.nobody/);
  });

  it('countdown: the task runs no earlier than its eta, and is not held in memory meanwhile', async () => {
    const sentBefore = Date.now();
    const sent = py({ send: { name: 'billing.now', args: [], queue: 'legacy', countdown: 2 }, wait: 20 });
    // While it waits it is parked in unacked with a score of eta - visibility timeout (5 s here), so that any
    // restore gives it back at its eta; it is in no list.
    const score = await waitFor(async () => {
      const entries = await redis.zrange('unacked_index', 0, -1, 'WITHSCORES');
      for (let i = 1; i < entries.length; i += 2) if (Number(entries[i]) * 1000 < Date.now() - 1000) return Number(entries[i]);
      return null;
    }, 'the countdown message to be parked');
    expect(score * 1000 + 5000).toBeGreaterThanOrEqual(sentBefore + 2000);
    expect(score * 1000 + 5000).toBeLessThanOrEqual(Date.now() + 2000);
    expect(await redis.llen('legacy')).toBe(0);
    const out = await sent;
    expect(out.status).toBe('SUCCESS');
    expect(out.result as number).toBeGreaterThanOrEqual(sentBefore + 2000);
  });

  it('expires: not run, REVOKED as Celery writes it (TaskRevokedError "expired")', async () => {
    const before = await redis.llen('node:marks');
    const out = await py({ send: { name: 'billing.now', args: [], queue: 'legacy', countdown: 1, expires: 0.5 }, wait: 20 });
    expect(out).toMatchObject({ status: 'REVOKED', error: { type: 'TaskRevokedError' } });
    expect(out.error?.message).toMatch(/expired/);
    expect(await redis.llen('node:marks')).toBe(before);
  });

  it('retries are republished as Celery does (same id, retries + 1, an eta) with RETRY stored, and the last run reports them', async () => {
    const id = randomUUID();
    // Every state Celery's backend announces for this id, and every message pushed for it.
    const listener = res.redis(server.url);
    const announced: string[] = [];
    listener.on('message', (_channel: string, json: string) => announced.push((JSON.parse(json) as { status: string }).status));
    await listener.subscribe(`celery-task-meta-${id}`);
    const pushes: string[] = [];
    const stopMonitor = await monitorCommands(server.url, (args) => {
      // celery-ack.lua's pushes (EVALSHA, or EVAL the first time the script runs on a connection).
      if (/^eval/i.test(args[0])) pushes.push(...args.filter((arg) => arg.startsWith('{"body"') && arg.includes(id)));
    });
    try {
      const out = await py({ send: { name: 'billing.flaky', args: [], queue: 'legacy', task_id: id }, wait: 20 });
      expect(out).toMatchObject({ id, status: 'SUCCESS', result: 2 });
      const meta = JSON.parse((await redis.get(`celery-task-meta-${id}`))!) as Record<string, unknown>;
      expect(meta.retries).toBe(2);
      await waitFor(() => announced.length >= 3, 'the three announcements');
      expect(announced).toEqual(['RETRY', 'RETRY', 'SUCCESS']);
      // By delivery tag: an EVALSHA refused with NOSCRIPT is sent again as EVAL, and MONITOR may show both.
      const byTag = new Map(pushes.map((raw) => JSON.parse(raw) as { headers: { id: string; retries: number; eta: string | null }; properties: { delivery_tag: string } }).map((m) => [m.properties.delivery_tag, m.headers]));
      const retries = [...byTag.values()];
      expect(retries.map((h) => [h.id, h.retries])).toEqual([[id, 1], [id, 2]]);
      for (const h of retries) expect(h.eta).toMatch(/\+00:00$/);
    } finally {
      stopMonitor();
    }
  });

  it('link: the callback runs on the Celery worker with the result; link_error gets the failed task id', async () => {
    await redis.del('py:record');
    const ok = await py({ send: { name: 'billing.add', args: [1, 2], queue: 'legacy', link: { name: 'py.record', args: ['after-add'] } }, wait: 20 });
    expect(ok.result).toBe(3);
    const failed = await py({ send: { name: 'billing.refuse', args: ['nope'], queue: 'legacy', link_error: { name: 'py.record', args: [] } }, wait: 20 });
    expect(failed.status).toBe('FAILURE');
    const records = await waitFor(async () => {
      const list = await redis.lrange('py:record', 0, -1);
      return list.length >= 2 ? list.map((entry) => JSON.parse(entry) as { args: unknown[] }) : null;
    }, 'both callbacks to run on the Celery worker');
    expect(records.map((r) => r.args)).toEqual(expect.arrayContaining([[3, 'after-add'], [failed.id]]));
  });

  it('acksLate: false (acknowledged at start): its link callback still gets the result', async () => {
    await redis.del('py:record');
    const out = await py({ send: { name: 'billing.early', args: [21], queue: 'legacy', link: { name: 'py.record', args: ['early'] } }, wait: 20 });
    expect(out).toMatchObject({ status: 'SUCCESS', result: 42 });
    const records = await waitFor(async () => {
      const list = await redis.lrange('py:record', 0, -1);
      return list.length >= 1 ? list.map((entry) => JSON.parse(entry) as { args: unknown[] }) : null;
    }, 'the callback to run on the Celery worker');
    expect(records.map((r) => r.args)).toEqual([[42, 'early']]);
  });

  it('a chain across both: Node, then Python, then Node (chains travel in reverse in embed)', async () => {
    const out = await py({
      chain: [
        { name: 'billing.add', args: [2, 3], queue: 'legacy' },
        { name: 'py.add', args: [10], queue: 'celery' },
        { name: 'billing.add', args: [100], queue: 'legacy' },
      ],
      wait: 30,
    });
    expect(out).toMatchObject({ status: 'SUCCESS', result: 115 });
  });

  it('ignore_result: the task runs and no result record is written', async () => {
    const before = await redis.llen('node:marks');
    const out = await py({ send: { name: 'billing.now', args: [], queue: 'legacy', ignore_result: true } });
    await waitFor(async () => (await redis.llen('node:marks')) > before, 'the task to run');
    await waitFor(async () => (await redis.hlen('unacked')) === 0, 'the message to be acknowledged');
    expect(await redis.exists(`celery-task-meta-${out.id}`)).toBe(0);
  });
});

describe('kombu-tagged values (kombu 5.3+ writes datetimes as {"__type__": "datetime", ...})', () => {
  const res = new TestResources();
  afterAll(() => res.closeAll());

  it('arrive in the task as ISO strings; Python reads the result', async () => {
    const server = await res.server();
    const redis = res.redis(server.url);
    const app = await res.taskApp({ broker: server.url, queues: { legacy: { protocol: 'celery' } } }, [BillingTasks]);
    await app.get(TaskWorker).start({ queues: ['legacy'] });
    const id = '6b1f5c3e-0000-4000-8000-000000000001';
    const body = [[{ __type__: 'datetime', __value__: '2026-12-01T05:46:34.616607+00:00' }, { __type__: 'uuid', __value__: id }], {}, { callbacks: null, errbacks: null, chain: null, chord: null }];
    await redis.lpush(
      'legacy',
      JSON.stringify({
        body: Buffer.from(JSON.stringify(body)).toString('base64'),
        'content-encoding': 'utf-8',
        'content-type': 'application/json',
        headers: { lang: 'py', task: 'billing.echo', id, root_id: id, parent_id: null, retries: 0, eta: null, expires: null },
        properties: { correlation_id: id, delivery_mode: 2, delivery_info: { exchange: '', routing_key: 'legacy' }, priority: 0, body_encoding: 'base64', delivery_tag: 'tag-tagged' },
      }),
    );
    const out = await pythonProducer(server.url, { get: id, wait: 20 });
    expect(out).toMatchObject({ status: 'SUCCESS', result: ['2026-12-01T05:46:34.616607+00:00', id] });
    app.get(BillingTasks).close();
  });
});
