/**
 * A Python (Celery) worker and a Nest worker share one queue through kombu's unacked
 * bookkeeping: whichever of them is killed mid-task, the other restores the message after
 * the visibility timeout and finishes it.
 */
import type { Redis } from 'ioredis';
import { TaskWorker } from '../../lib';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import type { RedisServerHandle } from '../support/redis-server';
import { BillingTasks } from './celery-tasks';
import { pythonProducer, startCeleryWorker, stopCeleryWorkers } from './celery-support';

jest.setTimeout(120_000);

const VT_SECONDS = 2;

describe('a Python worker and a Nest worker on one Celery queue, one killed mid-task', () => {
  const res = new TestResources();
  let server: RedisServerHandle;
  let redis: Redis;

  beforeEach(async () => {
    server = await res.server();
    redis = res.redis(server.url);
    BillingTasks.redisUrl = server.url;
  });

  afterEach(async () => {
    await stopCeleryWorkers();
    await res.closeAll();
  });

  it('the Nest worker is killed: the Celery worker restores the message and finishes it', async () => {
    const node = await res.spawnWorker('celery-worker-main', {
      REDIS_URL: server.url,
      TASK_PREFIX: 'wire',
      QUEUES: 'shared',
      CELERY_QUEUES: 'shared',
      CELERY_VT: VT_SECONDS * 1000,
      VISIBILITY_TIMEOUT: 1500,
    });
    const sent = pythonProducer(server.url, { send: { name: 'shared.slow', args: ['job1', 60], queue: 'shared' }, wait: 90 });
    await waitFor(async () => (await redis.lrange('job1:started', 0, -1)).includes('node'), 'the Nest worker to start the task');
    // It is held in kombu's bookkeeping, as a Celery worker holds it.
    expect(await redis.hlen('unacked')).toBe(1);
    await res.kill(node);
    // A Celery worker restores what has been unacknowledged for longer than the visibility timeout.
    await waitFor(async () => {
      const entries = await redis.zrange('unacked_index', 0, -1, 'WITHSCORES');
      return entries.length === 2 && Number(entries[1]) < Date.now() / 1000 - VT_SECONDS - 0.5;
    }, 'the held message to outlive the visibility timeout');
    const python = await startCeleryWorker(server.url, ['shared'], { CELERY_VT: String(VT_SECONDS) });
    await waitFor(async () => (await redis.lrange('job1:started', 0, -1)).includes('python'), 'the Celery worker to start the restored task');
    await redis.set('job1:go', '1');
    const out = await sent;
    expect(out).toMatchObject({ status: 'SUCCESS', result: 'python' });
    expect(await redis.lrange('job1:started', 0, -1)).toEqual(['node', 'python']);
    expect(python.output()).toMatch(/Restoring 1 unacknowledged message|shared\.slow/);
  });

  it('the Celery worker is killed: the Nest worker restores the message and finishes it', async () => {
    const python = await startCeleryWorker(server.url, ['shared'], { CELERY_VT: String(VT_SECONDS) });
    const sent = pythonProducer(server.url, { send: { name: 'shared.slow', args: ['job2', 60], queue: 'shared' }, wait: 90 });
    await waitFor(async () => (await redis.lrange('job2:started', 0, -1)).includes('python'), 'the Celery worker to start the task');
    // The Nest worker shares the queue from now on.
    const app = await res.taskApp(
      { broker: server.url, queues: { shared: { protocol: 'celery' } }, celery: { visibilityTimeout: VT_SECONDS * 1000 }, visibilityTimeout: 1500 },
      [BillingTasks],
    );
    await app.get(TaskWorker).start({ queues: ['shared'] });
    await python.kill('SIGKILL');
    await waitFor(async () => (await redis.lrange('job2:started', 0, -1)).includes('node'), 'the Nest worker to start the restored task');
    await redis.set('job2:go', '1');
    const out = await sent;
    expect(out).toMatchObject({ status: 'SUCCESS', result: 'node' });
    expect(await redis.lrange('job2:started', 0, -1)).toEqual(['python', 'node']);
    await waitFor(async () => (await redis.hlen('unacked')) === 0, 'the message to be acknowledged');
    app.get(BillingTasks).close();
  });
});
