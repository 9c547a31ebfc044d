import { TaskClient, TaskConfigError, TaskState, TaskWorker } from '../../lib';
import { FoundationTasks, probe } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, sleep, waitFor } from './harness';

describe('TaskWorker start and stop', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function setup() {
    const prefix = uniquePrefix();
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const newWorker = () => h.taskApp({ broker: testRedisUrl(), prefix });
    return { prefix, producer, client: producer.get(TaskClient), newWorker };
  }

  it('consumes the default queue by default', async () => {
    const { client, newWorker } = await setup();
    const worker = await newWorker();
    await worker.get(TaskWorker).start();
    expect(worker.get(TaskWorker).isRunning).toBe(true);
    await expect((await client.delay(FoundationTasks, 'greet', 'x')).get({ timeout: 5000 })).resolves.toBe('hello, x');
  });

  it('app.close() while a task runs lets it finish, records its result and acknowledges it', async () => {
    const { producer, client, newWorker } = await setup();
    const worker = await newWorker();
    await worker.get(TaskWorker).start();
    const result = await client.delay(FoundationTasks, 'sleep', 700);
    await waitFor(async () => (await result.state()) === TaskState.STARTED, 'STARTED', 5000);

    const closedAt = Date.now();
    await h.close(worker);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(300);
    await expect(result.state()).resolves.toBe(TaskState.SUCCESS);
    await expect(result.get({ timeout: 100 })).resolves.toBe(700);
    expect(await h.broker(producer).queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('a task still running after shutdownGrace goes back to the queue and another worker completes it', async () => {
    const { producer, client, newWorker } = await setup();
    probe.reset();
    const first = await newWorker();
    await first.get(TaskWorker).start({ shutdownGrace: 200 });
    const result = await client.delay(FoundationTasks, 'sleep', 1500);
    await waitFor(async () => (await result.state()) === TaskState.STARTED, 'STARTED', 5000);

    const closedAt = Date.now();
    await h.close(first);
    expect(Date.now() - closedAt).toBeLessThan(1200);
    // Given back at once (not after a 30 s lease): it is ready again.
    expect(await h.broker(producer).queueSizes('default')).toMatchObject({ ready: 1, active: 0 });

    const second = await newWorker();
    await second.get(TaskWorker).start();
    await expect(result.get({ timeout: 5000 })).resolves.toBe(1500);
    expect(probe.runs.get(result.id)).toBe(2);
    expect((await result.info())!.worker).toBe(second.get(TaskWorker).id);
  });

  it('stop() stops consuming without closing the app; start() resumes', async () => {
    const { producer, client, newWorker } = await setup();
    const app = await newWorker();
    const worker = app.get(TaskWorker);
    await worker.start();
    await expect((await client.delay(FoundationTasks, 'greet', 'before')).get({ timeout: 5000 })).resolves.toBe('hello, before');

    const stoppedAt = Date.now();
    await worker.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
    expect(worker.isRunning).toBe(false);

    const waiting = await client.delay(FoundationTasks, 'greet', 'after');
    await sleep(400);
    await expect(waiting.state()).resolves.toBe(TaskState.PENDING);
    expect(await h.broker(producer).queueSizes('default')).toMatchObject({ ready: 1, active: 0 });
    // The app is alive: its client still enqueues.
    await expect(app.get(TaskClient).delay(FoundationTasks, 'greet', 'mine')).resolves.toBeDefined();

    await worker.start();
    await expect(waiting.get({ timeout: 5000 })).resolves.toBe('hello, after');
  });

  it('stop() while a task runs lets it finish and records its result', async () => {
    const { client, newWorker } = await setup();
    const app = await newWorker();
    const worker = app.get(TaskWorker);
    await worker.start();
    const result = await client.delay(FoundationTasks, 'sleep', 400);
    await waitFor(async () => (await result.state()) === TaskState.STARTED, 'STARTED', 5000);
    await worker.stop();
    await expect(result.state()).resolves.toBe(TaskState.SUCCESS);
  });

  it('stop() of an idle worker, and close() right after start(), return promptly', async () => {
    const { newWorker } = await setup();
    for (let i = 0; i < 8; i++) {
      const app = await newWorker();
      await app.get(TaskWorker).start();
      await sleep(i % 4);
      const started = Date.now();
      await h.close(app);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  });

  it('runs at most `concurrency` tasks at once, holds up to `prefetch`, and only from its queues', async () => {
    const { producer, client, newWorker } = await setup();
    probe.reset();
    const app = await newWorker();
    const worker = app.get(TaskWorker);
    const results = [
      ...(await client.delayMany(FoundationTasks, 'tracked', Array.from({ length: 8 }, () => [150] as [number]), { queue: 'alpha' })),
      ...(await client.delayMany(FoundationTasks, 'tracked', Array.from({ length: 8 }, () => [150] as [number]), { queue: 'beta' })),
    ];
    const elsewhere = await client.applyAsync(FoundationTasks, 'tracked', [10], { queue: 'gamma' });
    await worker.start({ queues: ['alpha', 'beta'], concurrency: 3, prefetch: 5 });

    let maxActive = 0;
    let maxHeld = 0;
    let sawReserved = false;
    const sampler = setInterval(() => {
      const { active, reserved } = worker.getStats();
      maxActive = Math.max(maxActive, active);
      maxHeld = Math.max(maxHeld, active + reserved);
      if (reserved > 0) sawReserved = true;
    }, 10);
    try {
      await Promise.all(results.map((r) => r.get({ timeout: 15_000 })));
    } finally {
      clearInterval(sampler);
    }
    expect(probe.maxRunning).toBe(3);
    expect(maxActive).toBeLessThanOrEqual(3);
    expect(maxHeld).toBeLessThanOrEqual(5);
    expect(sawReserved).toBe(true);
    await expect(elsewhere.state()).resolves.toBe(TaskState.PENDING);
    expect(await h.broker(producer).queueSizes('gamma')).toMatchObject({ ready: 1 });
  });

  it('refuses bad start options with a typed error, and a second start()', async () => {
    const { newWorker } = await setup();
    const worker = (await newWorker()).get(TaskWorker);
    await expect(worker.start({ concurrency: 0 })).rejects.toThrow(TaskConfigError);
    await expect(worker.start({ concurrency: 2.5 })).rejects.toThrow(/'concurrency'.*2\.5/);
    await expect(worker.start({ concurrency: 4, prefetch: 2 })).rejects.toThrow(/'prefetch'/);
    await expect(worker.start({ queues: [] })).rejects.toThrow(/'queues'/);
    await expect(worker.start({ queues: ['bad queue'] })).rejects.toThrow(/'queues\[0\]'/);
    await expect(worker.start({ shutdownGrace: -1 })).rejects.toThrow(/'shutdownGrace'.*-1/);
    expect(worker.isRunning).toBe(false);
    await worker.start();
    await expect(worker.start()).rejects.toThrow(TaskConfigError);
    expect(worker.isRunning).toBe(true);
  });
});
