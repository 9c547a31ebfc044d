import { hostname, loadavg } from 'node:os';
import type { TaskWorker } from '../../worker/task-worker';
import type { WorkerInfo } from '../../execution/task-hooks';
import type { WorkerDescription } from '../../broker/ports/worker-state';

/** The worker's description as of now. */
export function describeWorker(worker: TaskWorker, info: WorkerInfo = worker.info()): WorkerDescription {
  const stats = worker.getStats();
  const problem = worker.problem;
  return {
    ...(problem ? { problem } : {}),
    id: info.id,
    hostname: hostname(),
    pid: process.pid,
    queues: info.queues,
    concurrency: info.concurrency,
    pool: info.pool,
    beat: info.beat,
    startedAt: stats.startedAt,
    active: stats.active,
    reserved: stats.reserved,
    processed: stats.processed,
    succeeded: stats.succeeded,
    failed: stats.failed,
    retried: stats.retried,
    rss: process.memoryUsage.rss(),
    loadavg: loadavg(),
  };
}
