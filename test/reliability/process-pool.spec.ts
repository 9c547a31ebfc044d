import type { Redis } from 'ioredis';
import { TaskFailedError, TaskInspector, TaskRevokedError, TASK_BROKER, type Broker, type TaskArgs, type TaskMethodName } from '../../lib/internal';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, isAlive, readMarks, waitFor, type InProcessWorker, type WorkerProcess } from './harness';
import { decodeMessage } from '../../lib/serialization/task-message';
import { isStored } from '../support/stored-messages';

/**
 * The process pool, in worker processes started as production starts them: the
 * children re-run the worker's entry script. Children are killed for real.
 */
describe('process pool', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('rel-pool');
  let redis: Redis;
  let producer: InProcessWorker;
  let pool: WorkerProcess;
  let recycling: WorkerProcess;
  let memory: WorkerProcess;

  beforeAll(async () => {
    redis = harness.redis(testRedisUrl());
    const env = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, POOL: 'process', MAX_DELIVERIES: 3 };
    producer = await harness.app({ broker: testRedisUrl(), prefix, maxDeliveries: 3 });
    [pool, recycling, memory] = await Promise.all([
      harness.workerProcess({ ...env, QUEUES: 'pool', CONCURRENCY: 2 }),
      harness.workerProcess({ ...env, QUEUES: 'recycle', CONCURRENCY: 1, MAX_TASKS_PER_CHILD: 2 }),
      harness.workerProcess({ ...env, QUEUES: 'memory', CONCURRENCY: 1, MAX_MEMORY_PER_CHILD: 600 * 1024 * 1024 }),
    ]);
  }, 60_000);
  afterAll(() => harness.closeAll());

  const marks = (key: string) => readMarks(redis, prefix, key);
  const started = (key: string) => waitFor(async () => (await marks(key))[0], `${key} to start`);
  const send = <K extends TaskMethodName<ReliabilityTasks>>(queue: string, method: K, ...args: TaskArgs<ReliabilityTasks, K>) =>
    producer.client.applyAsync(ReliabilityTasks, method, args, { queue });
  const failure = async (get: Promise<unknown>): Promise<TaskFailedError> => {
    const error = await get.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    return error as TaskFailedError;
  };

  it('a task spinning in a synchronous loop past timeLimit fails with TimeLimitExceeded; its child is replaced and the pool keeps serving', async () => {
    const spin = await send('pool', 'spinsForever', 'spin');
    const { pid: spinner, at: spinStart } = await started('spin');
    expect(spinner).not.toBe(pool.pid);
    // Served by the other child meanwhile.
    const during = await Promise.all([0, 1, 2].map((i) => send('pool', 'whereAmI', `during-${i}`)));
    for (const r of during) {
      const { pid } = await r.get({ timeout: 10_000 });
      expect(pid).not.toBe(spinner);
      expect(pid).not.toBe(pool.pid);
    }
    const error = await failure(spin.get({ timeout: 15_000 }));
    expect(error.remoteName).toBe('TimeLimitExceeded');
    expect(error.remoteMessage).toBe('Time limit of 1000 ms exceeded');
    const info = await spin.info();
    expect(info!.finishedAt! - spinStart).toBeGreaterThanOrEqual(1000);
    expect(info!.finishedAt! - spinStart).toBeLessThan(8000);
    await waitFor(() => !isAlive(spinner), 'the spinning child to be killed');
    // The replacement boots and both slots serve again: two overlapping tasks run in two live children.
    let round = 0;
    await waitFor(async () => {
      const after = await Promise.all([0, 1].map((i) => send('pool', 'slow', `after-${round}-${i}`, 300)));
      round++;
      const pids = (await Promise.all(after.map((r) => r.get({ timeout: 20_000 })))).map((p) => p.pid);
      expect(pids).not.toContain(spinner);
      return new Set(pids).size === 2;
    }, 'two live children', 20_000);
    expect(pool.isRunning()).toBe(true);
  });

  it('a child SIGKILLed in the middle of a task: the task runs again exactly once more, on a live child, and completes', async () => {
    const task = await send('pool', 'longOnFirstRun', 'child-kill', 60_000);
    const { pid: victim } = await started('child-kill');
    process.kill(victim, 'SIGKILL');
    await expect(task.get({ timeout: 15_000 })).resolves.toMatchObject({ deliveries: 2, run: 2 });
    // Acknowledged: the message is gone from Redis, so no further delivery can start it again.
    await waitFor(async () => !(await isStored(redis, prefix, 'pool', task.id)), 'the acknowledgement');
    const runs = await marks('child-kill');
    expect(runs.map((m) => [m.event, m.delivery])).toEqual([
      ['start', 1],
      ['start', 2],
      ['end', 2],
    ]);
    expect(runs[0].pid).toBe(victim);
    expect(runs[1].pid).not.toBe(victim);
    expect(isAlive(victim)).toBe(false);
    expect(pool.isRunning()).toBe(true);
  });

  it('rejectOnWorkerLost: false fails the task with WorkerLostError instead', async () => {
    const task = await send('pool', 'killsItsProcessNoRequeue', 'no-requeue');
    const error = await failure(task.get({ timeout: 15_000 }));
    expect(error.remoteName).toBe('WorkerLostError');
    expect(await marks('no-requeue')).toHaveLength(1);
    expect(await task.info()).toMatchObject({ state: 'FAILURE' });
  });

  it('a task whose child dies every time is dead-lettered after maxDeliveries deaths', async () => {
    const broker = producer.app.get<Broker>(TASK_BROKER);
    const poison = await send('pool', 'killsItsProcess', 'pool-poison');
    await waitFor(async () => (await broker.deadLetters('pool')).some((d) => d.id === poison.id), 'the dead letter', 30_000, 100);
    const letter = (await broker.deadLetters('pool')).find((d) => d.id === poison.id)!;
    expect(letter.reason).toBe('its process died 3 times (maxDeliveries 3)');
    expect(decodeMessage(letter.raw!, { id: letter.id, queue: 'pool' })).toMatchObject({ id: poison.id, task: 'ReliabilityTasks.killsItsProcess', args: ['pool-poison'] });
    const deaths = await marks('pool-poison');
    expect(deaths.map((m) => m.delivery)).toEqual([1, 2, 3]);
    expect(new Set(deaths.map((m) => m.pid)).size).toBe(3);
    expect(await isStored(redis, prefix, 'pool', poison.id)).toBe(false);
    // Its task ends FAILURE, so whoever waits for it is told.
    await expect(poison.get({ timeout: 15_000 })).rejects.toMatchObject({ remoteName: 'DeadLetteredError', remoteMessage: 'Dead-lettered: its process died 3 times (maxDeliveries 3)' });
    const probe = await send('pool', 'whereAmI', 'after-poison');
    await expect(probe.get({ timeout: 15_000 })).resolves.toMatchObject({ deliveries: 1 });
    expect(pool.isRunning()).toBe(true);
  });

  it('revoke({ terminate: true }) kills the child running the task; the task ends REVOKED', async () => {
    const task = await send('pool', 'spinsUntilTerminated', 'terminate');
    const { pid: child } = await started('terminate');
    await task.revoke({ terminate: true });
    await expect(task.get({ timeout: 10_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    expect(await task.info()).toMatchObject({ state: 'REVOKED' });
    await waitFor(() => !isAlive(child), 'the child to be killed');
    const probe = await send('pool', 'whereAmI', 'after-terminate');
    const { pid } = await probe.get({ timeout: 15_000 });
    expect(pid).not.toBe(child);
    expect(await marks('terminate')).toHaveLength(1);
  });

  it.each([
    ['terminate', { terminate: true }],
    ['a plain revoke', {}],
  ])('%s also reaches a task waiting for a child (its child died and the replacement still boots): it never runs again and ends REVOKED', async (name, options) => {
    const key = `backlog-${name.replace(/ /g, '-')}`;
    const busy = await send('pool', 'slow', `${key}-busy`, 4000);
    await started(`${key}-busy`);
    const task = await send('pool', 'spinsUntilTerminated', key);
    const { pid: child } = await started(key);
    // Its child dies: the task comes back at once and waits in the pool for the replacement.
    process.kill(child, 'SIGKILL');
    await waitFor(async () => {
      const active = await producer.app.get(TaskInspector).active({ timeout: 5000 });
      const mine = Object.entries(active).find(([id]) => id.includes(`:${pool.pid}:`))?.[1] ?? [];
      return mine.some((held) => held.id === task.id && held.delivery === 2);
    }, 'the task to be held again (delivery 2) by the pool worker');
    await task.revoke(options);
    await expect(task.get({ timeout: 15_000 })).rejects.toBeInstanceOf(TaskRevokedError);
    await busy.get({ timeout: 15_000 });
    // It never ran again (a second run would spin its new child forever).
    const probe = await Promise.all([0, 1].map((i) => send('pool', 'slow', `after-${key}-${i}`, 300)));
    await Promise.all(probe.map((r) => r.get({ timeout: 20_000 })));
    expect(await marks(key)).toHaveLength(1);
  });

  it('maxTasksPerChild recycles children: no child runs more than that many tasks', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await send('recycle', 'whereAmI', `recycle-${i}`);
      pids.push((await r.get({ timeout: 20_000 })).pid);
    }
    // Tasks run one at a time on one child: each child serves exactly two in a row.
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[4]).toBe(pids[5]);
    expect(new Set(pids).size).toBe(3);
    expect(pids).not.toContain(recycling.pid);
  });

  it('maxMemoryPerChild recycles a child whose memory grew past the limit', async () => {
    const pidOf = async (key: string) => (await (await send('memory', 'whereAmI', key)).get({ timeout: 20_000 })).pid;
    const first = await pidOf('mem-0');
    expect(await pidOf('mem-1')).toBe(first);
    expect(await (await send('memory', 'growsMemory', 'mem-2', 700)).get({ timeout: 20_000 })).toBe(first);
    const replaced = await pidOf('mem-3');
    expect(replaced).not.toBe(first);
    await waitFor(() => !isAlive(first), 'the grown child to exit');
    expect(memory.isRunning()).toBe(true);
  });
});
