/**
 * Nest sends, Python runs: TaskClient writes protocol-2 envelopes on a `{ protocol: 'celery' }`
 * queue that a real Celery worker runs, and AsyncResult.get() reads Celery's result records.
 */
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { Task, TaskClient, TaskFailedError, TaskRevokedError, type TaskModuleOptions } from '../../lib';
import { CeleryEnvelopeError } from '../../lib/serialization/celery/celery-message';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import type { RedisServerHandle } from '../support/redis-server';
import { startCeleryWorker, stopCeleryWorkers } from './celery-support';

jest.setTimeout(60_000);

/** The Nest side knows the Python task's signature: typed delay() on a class whose method never runs here. */
@Injectable()
class ReportTasks {
  @Task({ name: 'reports.render', queue: 'legacy' })
  render(reportId: number, style?: string): { report: number; style: string; by: string } {
    throw new Error(`runs in Python (${reportId}, ${style})`);
  }
}

describe('Nest sends, Python runs (Celery protocol on a shared Redis)', () => {
  const res = new TestResources();
  let server: RedisServerHandle;
  let redis: Redis;
  let client: TaskClient;
  let app: INestApplicationContext;
  const options = (url: string): TaskModuleOptions => ({ broker: url, queues: { legacy: { protocol: 'celery' } } });

  beforeAll(async () => {
    server = await res.server();
    redis = res.redis(server.url);
    app = await res.taskApp(options(server.url), [ReportTasks]);
    client = app.get(TaskClient);
  });

  afterEach(() => stopCeleryWorkers());
  afterAll(() => res.closeAll());

  it('priorities land in kombu\'s inverted buckets, and a Celery worker serves the highest first', async () => {
    await redis.del('py:record');
    await client.send('py.record', ['low'], { queue: 'legacy', priority: 1 });
    await client.send('py.record', ['mid'], { queue: 'legacy', priority: 5 });
    await client.send('py.record', ['default'], { queue: 'legacy' });
    await client.send('py.record', ['high'], { queue: 'legacy', priority: 9 });
    expect(await redis.llen('legacy')).toBe(2); // none → Celery's default 0; ours 9 → Celery 0
    expect(await redis.llen('legacy\x06\x163')).toBe(1); // ours 5 → Celery 4
    expect(await redis.llen('legacy\x06\x166')).toBe(1); // ours 1 → Celery 8
    await startCeleryWorker(server.url, ['legacy']);
    const order = await waitFor(async () => {
      const list = await redis.lrange('py:record', 0, -1);
      return list.length === 4 ? list.map((entry) => (JSON.parse(entry) as { args: string[] }).args[0]) : null;
    }, 'the Celery worker to run all four');
    expect(order).toEqual(['default', 'high', 'mid', 'low']);
  });

  it('send() by name: Python runs it, AsyncResult.get() returns its value; typed delay() works too', async () => {
    await startCeleryWorker(server.url, ['legacy']);
    const byName = await client.send<{ report: number }>('reports.render', [7], { queue: 'legacy' });
    await expect(byName.get({ timeout: 20_000 })).resolves.toEqual({ report: 7, style: 'plain', by: 'python' });
    const typed = await client.delay(ReportTasks, 'render', 8, 'bold');
    await expect(typed.get({ timeout: 20_000 })).resolves.toEqual({ report: 8, style: 'bold', by: 'python' });
    expect(await typed.state()).toBe('SUCCESS');
  });

  it('a Python exception: TaskFailedError with remoteName = the Python exception type and its message', async () => {
    await startCeleryWorker(server.url, ['legacy']);
    const result = await client.send('py.fail', ['bad input'], { queue: 'legacy' });
    const error = (await result.get({ timeout: 20_000 }).catch((e: unknown) => e)) as TaskFailedError;
    expect(error).toBeInstanceOf(TaskFailedError);
    expect(error.remoteName).toBe('ValueError');
    expect(error.remoteMessage).toBe('bad input');
    expect(error.remoteStack).toMatch(/Traceback/);
  });

  it('countdown: Python runs it no earlier; expires: Python revokes it, and get() says so', async () => {
    await startCeleryWorker(server.url, ['legacy']);
    const sentAt = Date.now();
    const later = await client.send('py.add', [40, 2], { queue: 'legacy', countdown: 1500 });
    const raw = await waitFor(async () => {
      const seen = [...(await redis.hvals('unacked')), ...(await redis.lrange('legacy', 0, -1))];
      return seen.find((entry) => entry.includes(later.id));
    }, 'the countdown message to be seen');
    expect(raw).toMatch(/"eta": ?"\d{4}-\d\d-\d\dT[\d:.]+\+00:00"/);
    await expect(later.get({ timeout: 20_000 })).resolves.toBe(42);
    const meta = JSON.parse((await redis.get(`celery-task-meta-${later.id}`))!) as { date_done: string };
    expect(Date.parse(`${meta.date_done}Z`)).toBeGreaterThanOrEqual(sentAt + 1500);

    const expired = await client.send('py.add', [1, 1], { queue: 'legacy', countdown: 1000, expires: 500 });
    const error = (await expired.get({ timeout: 20_000 }).catch((e: unknown) => e)) as TaskRevokedError;
    expect(error).toBeInstanceOf(TaskRevokedError);
    expect(error.reason).toBe('expired');
  });

  it('every envelope is validated before it is pushed: workflows of ours cannot go to a Celery queue', async () => {
    const sig = client.signature(ReportTasks, 'render', 1);
    const chained = client.chain(sig, client.signature(ReportTasks, 'render', 2));
    await expect(chained.applyAsync()).rejects.toBeInstanceOf(CeleryEnvelopeError);
    expect((await redis.lrange('legacy', 0, -1)).filter((raw) => raw.includes('reports.render'))).toEqual([]);
  });
});
