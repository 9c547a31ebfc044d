import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@nestjs/common';
import { TaskInspector } from '../../lib';
import type { TaskExecutor, TaskRegistry } from '../../lib/internal';
import { ProcessPool } from '../../lib/worker/pool/process-pool';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { Harness, waitFor, type InProcessWorker, type WorkerProcess } from '../reliability/harness';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/** A process pool whose children stop being able to boot (a broken deploy) while its worker runs. */
describe('a process pool whose children cannot boot', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('pool-boot');
  const dir = mkdtempSync(join(tmpdir(), 'pool-boot-'));
  const flag = join(dir, 'fail-boot');
  let producer: InProcessWorker;
  let pool: WorkerProcess;

  beforeAll(async () => {
    producer = await harness.app({ broker: testRedisUrl(), prefix });
    pool = await harness.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: 'work', POOL: 'process', CONCURRENCY: 1, FAIL_BOOT_IF: flag });
  }, 60_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await harness.closeAll();
  });

  /** What the pool worker says of itself (remote inspect). */
  const problemOfPool = async (): Promise<string | null> => {
    const stats = await producer.app.get(TaskInspector).stats({ timeout: 5000 });
    const mine = Object.entries(stats).find(([id]) => id.includes(`:${pool.pid}:`))?.[1];
    return mine?.problem ?? null;
  };

  it('gives its tasks back to the queue, says it is unhealthy, and recovers once children boot again', async () => {
    const first = await producer.client.applyAsync(ReliabilityTasks, 'whereAmI', ['before'], { queue: 'work' });
    const { pid: child } = await first.get({ timeout: 20_000 });
    expect(child).not.toBe(pool.pid);

    writeFileSync(flag, '');
    process.kill(child, 'SIGKILL');
    const problem = await waitFor(problemOfPool, 'the pool worker to report that it cannot run tasks', 20_000);
    expect(problem).toMatch(/no pool child is running: \d+ failed to boot in a row/);

    // Sent now, they wait for a worker that can run them: a healthy inline worker takes them all.
    const sent = await Promise.all([0, 1, 2].map((i) => producer.client.applyAsync(ReliabilityTasks, 'whereAmI', [`during-${i}`], { queue: 'work' })));
    const healthy = await harness.workerProcess({ REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: 'work', CONCURRENCY: 2 });
    const ran = await Promise.all(sent.map((r) => r.get({ timeout: 20_000 })));
    expect(ran.map((r) => r.pid)).toEqual([healthy.pid, healthy.pid, healthy.pid]);
    expect(ran.map((r) => r.deliveries)).toEqual([1, 1, 1]);

    rmSync(flag);
    await waitFor(async () => (await problemOfPool()) === null || undefined, 'the pool to boot a child again', 40_000);
  }, 90_000);
});

describe('a pool child that never says it is ready', () => {
  it('is killed at the boot timeout, and the pool fails to start with the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pool-hang-'));
    const entry = join(dir, 'hang.js');
    writeFileSync(entry, 'process.send?.({ type: "pid", pid: process.pid }); setInterval(() => undefined, 1000);\n');
    const logger = { log: () => undefined, warn: () => undefined, error: () => undefined } as unknown as Logger;
    const pool = new ProcessPool({} as TaskExecutor, {} as TaskRegistry, { size: 1, entry, bootTimeout: 300 }, logger);
    try {
      await expect(pool.start()).rejects.toThrow(/did not boot in 300 ms/);
      expect(pool.pids()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
