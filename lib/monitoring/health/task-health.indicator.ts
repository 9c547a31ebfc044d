import { Inject, Injectable } from '@nestjs/common';
import { TASK_MONITORING_STORE } from '../../constants';
import { assertDuration, assertInteger } from '../../utils/validate';
import { TaskWorker } from '../../worker/task-worker';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';

export interface TaskHealthOptions {
  /** Live workers (fresh heartbeats) needed to be up. Default 1; 0 checks only the broker. */
  minWorkers?: number;
  /** Only count workers consuming this queue. */
  queue?: string;
  /** Give up on the broker after this many ms. Default 1000. */
  timeout?: number;
}

/** The shape `@nestjs/terminus` expects from an indicator (`HealthIndicatorResult`). */
export type TaskHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; broker: 'up' | 'down'; latency?: number; workers: number; localWorker?: 'running' | 'stopped' | 'unhealthy'; message?: string }
>;

/**
 * A `@nestjs/terminus` health indicator (terminus stays an optional peer: nothing
 * of it is imported): the broker answers, and enough workers are alive.
 *
 * ```ts
 * @Get('health') @HealthCheck()
 * check() { return this.health.check([() => this.tasks.isHealthy('tasks', { minWorkers: 1 })]); }
 * ```
 */
@Injectable()
export class TaskHealthIndicator {
  constructor(
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
    private readonly worker: TaskWorker,
  ) {}

  async isHealthy<Key extends string = 'tasks'>(key: Key = 'tasks' as Key, options: TaskHealthOptions = {}): Promise<TaskHealthResult<Key>> {
    const { minWorkers = 1, timeout = 1000, queue } = options;
    assertInteger('minWorkers', minWorkers, 0);
    assertDuration('timeout', timeout, 1);
    const problems: string[] = [];
    let latency: number | undefined;
    let workers = 0;
    try {
      latency = Math.round(await withTimeout(this.backend.admin.ping(), timeout) * 10) / 10;
      const live = (await withTimeout(this.backend.workers.list(), timeout)).filter((w) => w.status === 'online' && (!queue || w.queues.includes(queue)));
      workers = live.length;
    } catch (error) {
      problems.push(`broker unreachable: ${(error as Error).message}`);
    }
    const broker = latency === undefined ? 'down' : 'up';
    if (broker === 'up' && workers < minWorkers) problems.push(`${workers} live worker(s)${queue ? ` on '${queue}'` : ''}, ${minWorkers} needed`);
    const detail: TaskHealthResult[string] = { status: problems.length === 0 ? 'up' : 'down', broker, workers };
    if (latency !== undefined) detail.latency = latency;
    const started = this.worker.getStats().startedAt > 0;
    if (started) {
      detail.localWorker = this.worker.isRunning ? 'running' : 'stopped';
      if (!this.worker.isRunning) {
        detail.status = 'down';
        problems.push('the worker of this process is stopped');
      } else if (this.worker.problem) {
        detail.status = 'down';
        detail.localWorker = 'unhealthy';
        problems.push(`the worker of this process cannot run tasks: ${this.worker.problem}`);
      }
    }
    if (problems.length > 0) detail.message = problems.join('; ');
    return { [key]: detail } as TaskHealthResult<Key>;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}
