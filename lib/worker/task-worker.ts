import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Broker } from '../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import { NestTasksError } from '../errors';
import { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TaskEventBus } from '../events/task-event-bus';
import type { TaskConfig } from '../config/task-config';
import { TaskRegistry } from '../registry/task-registry';
import { PoolChild } from './pool/pool-child';
import { isPoolChild } from './pool/pool-protocol';
import { TaskExecutor } from '../execution/task-executor';
import { TaskHooks, type WorkerInfo } from '../execution/task-hooks';
import {
  assertNotRunning,
  resolveWorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerStartOptions,
} from './worker-options';
import type { WorkerStats } from './run/job-settler';
import { WorkerRun } from './run/worker-run';

type WorkerState = 'idle' | 'waiting-for-bootstrap' | 'running' | 'stopping' | 'pool-child';

/**
 * Consumes queues and runs their tasks in this Nest application context.
 * Fetches as many messages per round trip as it has free slots; acknowledgements
 * and results are pipelined; leases are extended while tasks run.
 */
@Injectable()
export class TaskWorker implements OnApplicationBootstrap, OnModuleDestroy {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('TaskWorker');
  private state: WorkerState = 'idle';
  private options?: ResolvedWorkerOptions;
  private run?: WorkerRun;
  private stopping?: Promise<void>;
  private bootstrapped = false;
  /** A start asked for before the application was initialized. */
  private pending?: ResolvedWorkerOptions;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly registry: TaskRegistry,
    private readonly executor: TaskExecutor,
    private readonly events: TaskEventBus,
    private readonly hooks: TaskHooks,
    private readonly dispatcher: TaskDispatcher,
  ) {}

  /**
   * Starts consuming. Resolves once the worker is running (not when it stops).
   * Called before the application is initialized (`NestFactory.create`, then
   * `listen()`), it resolves at once and the worker starts when the application
   * has bootstrapped, after every task was discovered. In a process-pool child it
   * serves its parent instead.
   */
  async start(options: WorkerStartOptions = {}): Promise<void> {
    assertNotRunning(this.state);
    if (this.config.eager) {
      throw new NestTasksError('TaskWorker cannot start in eager mode: tasks already run inline on delay()');
    }
    const resolved = resolveWorkerOptions(options);
    if (!this.bootstrapped) {
      this.state = 'waiting-for-bootstrap';
      this.pending = resolved;
      return;
    }
    await this.startNow(resolved);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.bootstrapped = true;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      this.state = 'idle';
      await this.startNow(pending);
    }
  }

  private async startNow(resolved: ResolvedWorkerOptions): Promise<void> {
    if (isPoolChild()) {
      this.state = 'pool-child';
      new PoolChild(this.executor, this.logger).serve();
      return;
    }
    this.options = resolved;
    const { config, broker, registry, executor, events, dispatcher, logger } = this;
    this.run = new WorkerRun(this.info(), resolved, { config, broker, registry, executor, events, dispatcher, logger }, () => {
      this.logger.warn('Shutdown requested through the control channel');
      void this.stop();
    });
    await this.run.start();
    this.state = 'running';
    await this.hooks.workerStarted(this.info());
    const { queues, concurrency, pool } = resolved;
    this.logger.log(
      `Worker ${this.id} consuming ${queues.join(', ')} on ${this.broker.description} (${pool} pool, concurrency ${concurrency}); tasks: ${this.registry.names().join(', ') || 'none'}`,
    );
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Null while this worker can run tasks; otherwise why it cannot (its process pool has no child). */
  get problem(): string | null {
    return this.state === 'running' ? (this.run?.problem ?? null) : null;
  }

  /** Who this worker is and what it consumes. */
  info(): WorkerInfo {
    const { queues, concurrency, beat, pool } = this.options ?? resolveWorkerOptions({});
    return { id: this.id, queues, concurrency, beat, pool };
  }

  /** The tasks this worker holds now: running (with start time) and reserved (waiting for a slot). */
  snapshot(): ReturnType<WorkerRun['snapshot']> {
    return this.run?.snapshot() ?? { running: [], reserved: [] };
  }

  /** Counters since start. */
  getStats(): { id: string; active: number; reserved: number } & WorkerStats {
    const stats = this.run?.stats ?? { processed: 0, succeeded: 0, failed: 0, retried: 0, revoked: 0, startedAt: 0 };
    return { id: this.id, active: this.run?.active ?? 0, reserved: this.run?.reserved ?? 0, ...stats };
  }

  /**
   * Warm shutdown: stops fetching, lets running tasks finish within `shutdownGrace`,
   * records their results and acknowledges them; tasks still running after that are
   * given back to the queue. A SIGTERM or SIGINT meanwhile makes it cold: running tasks
   * are given back at once. Safe to call twice.
   */
  stop(): Promise<void> {
    if (this.state === 'waiting-for-bootstrap') {
      this.state = 'idle';
      this.pending = undefined;
    }
    if (this.state !== 'running' && this.state !== 'stopping') return Promise.resolve();
    this.stopping ??= this.shutdown().finally(() => {
      this.state = 'idle';
      this.stopping = undefined;
    });
    return this.stopping;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  private async shutdown(): Promise<void> {
    this.state = 'stopping';
    const run = this.run!;
    await run.stop(() => this.hooks.workerStopping(this.info()).catch((error: Error) => this.logger.warn(`A stop hook failed: ${error.message}`)));
    this.logger.log(`Worker ${this.id} stopped after ${run.stats.processed} task(s)`);
  }
}
