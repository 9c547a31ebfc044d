import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  TASK_BROKER,
  TaskAdmin,
  TaskClient,
  TaskConfigError,
  TaskControl,
  TaskEventPublisher,
  TaskInspector,
  TaskModule,
  TaskWorker,
  type Broker,
} from '../../lib/internal';
import { OpsTasks } from './fixtures/ops.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { OpsHarness, waitFor } from './support/ops-harness';

/**
 * Remote control, like `celery inspect` / `celery control`: a worker app answers an
 * app that has no task code, through Redis (and, on the memory broker, in process).
 */
describe('remote control through Redis', () => {
  const harness = new OpsHarness();
  const prefix = uniquePrefix('ops-rc');
  let workerApp: INestApplicationContext;
  let worker: TaskWorker;
  let ops: INestApplicationContext;
  let inspector: TaskInspector;

  beforeAll(async () => {
    workerApp = await harness.app({ broker: testRedisUrl(), prefix });
    worker = workerApp.get(TaskWorker);
    await worker.start({ queues: ['default', 'emails'], concurrency: 1, prefetch: 2 });
    ops = await harness.app({ broker: testRedisUrl(), prefix }, []);
    inspector = ops.get(TaskInspector);
  });
  afterAll(() => harness.closeAll());

  it('ping: every live worker answers pong, and the call ends as soon as they all did', async () => {
    const started = Date.now();
    const replies = await inspector.ping({ timeout: 5000 });
    expect(replies).toEqual({ [worker.id]: 'pong' });
    // It knows from the heartbeats that one worker is alive: no waiting for the timeout.
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('registered, stats: the task names, and counters with pid, host, uptime and concurrency', async () => {
    const client = ops.get(TaskClient);
    await (await client.send('OpsTasks.add', [1, 2])).get({ timeout: 10_000 });
    expect(await inspector.registered()).toEqual({ [worker.id]: ['OpsTasks.add', 'OpsTasks.explode', 'OpsTasks.flakyOnce', 'OpsTasks.sendEmail', 'OpsTasks.sleep'] });
    const stats = (await inspector.stats())[worker.id];
    expect(stats).toMatchObject({ id: worker.id, pid: process.pid, concurrency: 1, queues: ['default', 'emails'] });
    expect(stats.processed).toBeGreaterThanOrEqual(1);
    expect(stats.succeeded).toBeGreaterThanOrEqual(1);
    expect(stats.uptime).toBeGreaterThan(0);
    expect(typeof stats.hostname).toBe('string');
  });

  it('active and reserved: the running task with its args, and the one waiting for the slot', async () => {
    const client = ops.get(TaskClient);
    const running = await client.send('OpsTasks.sleep', [1500]);
    const waiting = await client.send('OpsTasks.sleep', [10]);
    await waitFor('the first task to start', async () => (await running.state()) === 'STARTED');
    await waitFor('the second to be reserved', async () => (await inspector.reserved())[worker.id]?.length === 1);
    const active = (await inspector.active())[worker.id];
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ id: running.id, task: 'OpsTasks.sleep', queue: 'default', args: [1500] });
    expect(active[0].startedAt).toBeGreaterThan(0);
    expect((await inspector.reserved())[worker.id]).toEqual([{ id: waiting.id, task: 'OpsTasks.sleep', queue: 'default', args: [10] }]);
    await waiting.get({ timeout: 10_000 });
  });

  it('a destination that names no live worker gets no reply (after the timeout)', async () => {
    expect(await inspector.ping({ destination: 'nobody:1:abc', timeout: 300 })).toEqual({});
    expect(await inspector.ping({ destination: [worker.id], timeout: 5000 })).toEqual({ [worker.id]: 'pong' });
  });

  it('bad options are refused at the call, with the option named', async () => {
    await expect(inspector.ping({ timeout: -1 })).rejects.toThrow(TaskConfigError);
    await expect(inspector.ping({ timeout: -1 })).rejects.toThrow(/timeout/);
    await expect(inspector.ping({ destination: 42 as never })).rejects.toThrow(/destination/);
    await expect(ops.get(TaskControl).setRateLimit('OpsTasks.add', 'fast')).rejects.toThrow(/'10\/s'/);
  });

  it('setRateLimit stores the rate for every worker; each live worker says whether it runs that task', async () => {
    const control = ops.get(TaskControl);
    expect(await control.setRateLimit('OpsTasks.add', '5/s')).toEqual({ [worker.id]: { ok: true } });
    expect(await ops.get<Broker>(TASK_BROKER).rateLimits()).toEqual({ 'OpsTasks.add': '5/s' });
    const unknown = await control.setRateLimit('Nope.never', '1/m');
    expect(unknown[worker.id]).toEqual({ ok: false, error: expect.stringContaining("Unknown task 'Nope.never'") });
    await control.setRateLimit('OpsTasks.add', null);
    await control.setRateLimit('Nope.never', null);
    expect(await ops.get<Broker>(TASK_BROKER).rateLimits()).toEqual({});
  });

  it('garbage on the control channel never reaches the worker: it keeps answering', async () => {
    const broker = ops.get<Broker>(TASK_BROKER);
    await broker.broadcast({ type: 'remote-control' });
    await broker.broadcast({ type: 'remote-control', id: 'x', command: 'selfDestruct', replyTo: 'elsewhere' });
    await broker.broadcast({ type: 'remote-control', id: 'y', command: 'ping', replyTo: `${prefix}:reply:nobody`, destination: 'not-an-array' });
    expect(await inspector.ping()).toEqual({ [worker.id]: 'pong' });
  });

  it('shutdown: the worker stops and the directory shows it offline', async () => {
    const answers = await ops.get(TaskControl).shutdown({ destination: worker.id });
    expect(answers).toEqual({ [worker.id]: { ok: true } });
    await waitFor('the worker to stop', () => !worker.isRunning);
    const listed = await waitFor('the offline heartbeat', async () => (await ops.get(TaskAdmin).workers()).find((w) => w.id === worker.id && w.status === 'offline'));
    expect(listed.running).toEqual([]);
    expect(await inspector.ping({ timeout: 300 })).toEqual({});
  });
});

describe('a worker started before the app is initialised (NestFactory.create, start, then listen)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('still answers remote control, writes heartbeats and publishes its events', async () => {
    const prefix = uniquePrefix('ops-early');
    @Module({ imports: [TaskModule.forRoot({ broker: testRedisUrl(), prefix, events: true, heartbeatInterval: 200 })], providers: [OpsTasks] })
    class EarlyModule {}
    const app = harness.track(await NestFactory.create(EarlyModule, { logger: false }));
    const worker = app.get(TaskWorker);
    await worker.start({ concurrency: 1 });
    // Discovery happens at init: the worker starts once the application has bootstrapped.
    expect(worker.isRunning).toBe(false);
    await app.listen(0, '127.0.0.1');
    expect(worker.isRunning).toBe(true);
    const ops = await harness.app({ broker: testRedisUrl(), prefix }, []);
    expect(await ops.get(TaskInspector).ping({ timeout: 5000 })).toEqual({ [worker.id]: 'pong' });
    await (await app.get(TaskClient).delay(OpsTasks, 'add', 1, 1)).get({ timeout: 10_000 });
    await app.get(TaskEventPublisher).flush();
    const events = await ops.get(TaskAdmin).recentEvents(50);
    expect(events.some((e) => e.type === 'worker-online' && e.worker === worker.id)).toBe(true);
    expect(events.some((e) => e.type === 'succeeded' && e.task === 'OpsTasks.add')).toBe(true);
  });
});

describe('remote control on the memory broker (one process)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('the same calls answer in process', async () => {
    const app = await harness.app({ broker: 'memory://' }, [OpsTasks]);
    const worker = app.get(TaskWorker);
    await worker.start({ concurrency: 2 });
    const inspector = app.get(TaskInspector);
    expect(await inspector.ping()).toEqual({ [worker.id]: 'pong' });
    const result = await app.get(TaskClient).delay(OpsTasks, 'add', 2, 2);
    await result.get({ timeout: 5000 });
    expect((await inspector.stats())[worker.id].processed).toBe(1);
    expect(await app.get(TaskControl).shutdown()).toEqual({ [worker.id]: { ok: true } });
    await waitFor('the worker to stop', () => !worker.isRunning);
  });
});
