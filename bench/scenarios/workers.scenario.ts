import { availableParallelism } from 'node:os';
import type { ChildHandle } from '../child-runner';
import type { LibraryName } from '../child/protocol';
import { snapshotRedis, usageBetween } from '../redis/redis-stats';
import { WORKER_PROCESSES, workerCpuTasks, type WorkerProcesses, type WorkerSeries } from '../report/metrics';
import type { BenchContext } from './bench-context';

/**
 * Scale-out on one Redis: the same backlog drained by 1, 2 and 4 worker processes
 * (each like the processing measurement's worker, concurrency `concurrency`, warmed up
 * first with `warmTasks` of its own). The processes start together once all are warm;
 * the clock runs from the first start until the queue is drained (every result stored),
 * and Redis's CPU time over the same span is divided by the tasks. Two series: noop tasks
 * (the library's own cost: on a machine of few cores the processes share them with Redis),
 * and a quarter of the backlog of tasks that each burn `taskCpuUs` of CPU (work that a
 * second process on a second core can share).
 */
export async function runWorkersScenario(ctx: BenchContext): Promise<void> {
  for (const lib of ctx.nextOrder()) {
    for (const processes of WORKER_PROCESSES) await drainWith(ctx, lib, processes, 'workers');
    for (const processes of WORKER_PROCESSES) await drainWith(ctx, lib, processes, 'workersCpu');
  }
}

async function drainWith(ctx: BenchContext, lib: LibraryName, processes: WorkerProcesses, series: WorkerSeries): Promise<void> {
  const { chunk, concurrency, warmTasks } = ctx.options;
  const tasks = series === 'workers' ? ctx.options.tasks : workerCpuTasks(ctx.options.tasks);
  const taskCpuUs = series === 'workers' ? 0 : ctx.options.taskCpuUs;
  await ctx.run(lib, 'fill', { tasks, chunk, priorities: false });
  const children: ChildHandle[] = [];
  for (let i = 0; i < processes; i++) children.push(ctx.start(lib, 'process-share', { tasks, concurrency, warmTasks, taskCpuUs }));
  await Promise.all(children.map((child) => child.ready));
  const counts = new Array<number>(processes).fill(0);
  let allRan!: () => void;
  const ran = new Promise<void>((resolve) => (allRan = resolve));
  const stopped = children.map(
    (child, i) =>
      new Promise<void>((resolve) =>
        child.onMessage((message) => {
          if (message.type === 'stopped') resolve();
          if (message.type !== 'progress') return;
          counts[i] = message.count;
          if (counts.reduce((a, b) => a + b, 0) >= tasks) allRan();
        }),
      ),
  );
  // A child that fails ends the wait with its error.
  const failed = Promise.all(children.map((child) => child.result)).then(() => {
    throw new Error(`${lib}: the ${processes} worker processes exited before running the backlog`);
  });
  const before = await snapshotRedis(ctx.admin);
  for (const child of children) child.send({ type: 'go' });
  await Promise.race([ran, failed]);
  // Each child waits for the queue to drain before it stops: Redis's part includes the last settles.
  for (const child of children) child.send({ type: 'stop' });
  await Promise.race([Promise.all(stopped), failed]);
  const redis = usageBetween(before, await snapshotRedis(ctx.admin));
  for (const child of children) child.send({ type: 'finish' });
  const results = await Promise.all(children.map((child) => child.result));
  const shares = results.map((result) => {
    if (result.kind !== 'share') throw new Error(`expected a share of the backlog, got ${result.kind}`);
    return result;
  });
  const ranTotal = shares.reduce((sum, share) => sum + share.tasks, 0);
  if (ranTotal !== tasks) throw new Error(`${lib}: ${processes} worker processes ran ${ranTotal} tasks of a backlog of ${tasks}`);
  const leftover = Math.max(...shares.map((share) => share.leftover));
  if (leftover !== 0) throw new Error(`${lib} left ${leftover} message(s) in the queue after ${processes} processes ran ${tasks}`);
  const startedAt = Math.min(...shares.map((share) => share.startedAt));
  // The first process to see the queue empty saw it drained; the last body ran before that.
  const lastHitAt = Math.max(...shares.filter((share) => share.tasks > 0).map((share) => share.lastHitAt));
  const drainedAt = Math.max(lastHitAt, Math.min(...shares.map((share) => share.drainedAt)));
  const rate = tasks / ((drainedAt - startedAt) / 1000);
  // What the worker processes and Redis used of the machine's cores meanwhile: near 1, more processes cannot go faster.
  const busy = (shares.reduce((sum, share) => sum + share.cpuMicros, 0) / 1000 + redis.cpuMs) / ((drainedAt - startedAt) * availableParallelism());
  ctx.record(`${series}${processes}.rate`, lib, rate);
  ctx.record(`${series}${processes}.redisCpuPerTask`, lib, (redis.cpuMs * 1000) / tasks);
  ctx.record(`${series}${processes}.busy`, lib, busy);
  const label = `${processes} worker process${processes === 1 ? '' : 'es'}${taskCpuUs > 0 ? `, ${taskCpuUs} µs tasks` : ''}`;
  ctx.log(
    `  ${label.padEnd(34)}${lib.padEnd(13)} ${Math.round(rate).toLocaleString('en-US')} tasks/s; Redis CPU ${((redis.cpuMs * 1000) / tasks).toFixed(1)} µs/task; cores busy ${Math.round(busy * 100)}%; tasks per process ${shares.map((share) => share.tasks).join(' / ')}`,
  );
  await ctx.clean(lib);
}
