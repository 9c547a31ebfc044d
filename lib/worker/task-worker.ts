import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Broker, ControlMessage, RateTicket, ReservedMessage, SettleOp } from '../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import { MessageDecodeError, NestTasksError, TaskTerminatedError } from '../errors';
import { eventForOutcome } from '../execution/outcome-events';
import { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TaskExplorer } from '../discovery/task.explorer';
import { TaskEventBus } from '../events/task-event-bus';
import type { TaskConfig } from '../config/task-config';
import { TaskRegistry } from '../registry/task-registry';
import { recordForOutcome, resultTtl } from '../execution/outcome-records';
import { TaskState } from '../serialization/task-state';
import { decodeMessage, encodeMessage, type TaskMessage } from '../serialization/task-message';
import { InlinePool } from './pool/inline-pool';
import { PoolChild } from './pool/pool-child';
import { isPoolChild } from './pool/pool-protocol';
import { ProcessPool } from './pool/process-pool';
import type { PoolResult, TaskPool } from './pool/task-pool';
import type { ExecutionOutcome } from '../execution/execution-outcome';
import { RunAbort } from '../execution/run-abort';
import { SettleBuffer } from './settle-buffer';
import { TaskExecutor } from '../execution/task-executor';
import { TaskHooks, type WorkerInfo } from '../execution/task-hooks';
import { WorkerControl } from './worker-control';
import {
  assertNotRunning,
  resolveWorkerOptions,
  shareSlots,
  type ResolvedWorkerOptions,
  type WorkerStartOptions,
} from './worker-options';

/** A reserved message while this worker holds it. */
interface Job {
  readonly reserved: ReservedMessage;
  readonly message: TaskMessage;
  readonly abort: RunAbort;
  /** Set once the message went back to the broker; its outcome is then ignored. */
  released: boolean;
  /** Acknowledged at start (acksLate: false). */
  acked: boolean;
  startedAt: number;
}

type WorkerState = 'idle' | 'running' | 'stopping' | 'pool-child';

/** A message back from waiting for a rate-limit slot carries the ticket of the slot reserved for it. */
type RateWaitingMessage = TaskMessage & { rateTicket?: RateTicket };

const ERROR_PAUSE_MS = 1000;
const MAX_IDLE_WAIT_MS = 5000;

/**
 * Consumes queues and runs their tasks in this Nest application context.
 * Fetches as many messages per round trip as it has free slots; acknowledgements
 * and results are pipelined; leases are extended while tasks run.
 */
@Injectable()
export class TaskWorker implements OnModuleDestroy {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly logger = new Logger('TaskWorker');
  private state: WorkerState = 'idle';
  private options!: ResolvedWorkerOptions;
  private readonly running = new Set<Job>();
  /** Jobs with a free slot, started a few per event-loop turn (scheduleStart). */
  private readonly starting: Job[] = [];
  private startScheduled = false;
  /** Jobs waiting for a slot (prefetch above concurrency). */
  private readonly waiting: Job[] = [];
  private buffer!: SettleBuffer;
  private pool!: TaskPool;
  private control!: WorkerControl;
  private loop?: Promise<void>;
  private leaseTimer?: NodeJS.Timeout;
  private slotFreed?: () => void;
  private stopping?: Promise<void>;
  private cold = false;
  private rotation = 0;
  private readonly stats = { processed: 0, succeeded: 0, failed: 0, retried: 0, revoked: 0, startedAt: 0 };

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly registry: TaskRegistry,
    private readonly executor: TaskExecutor,
    private readonly events: TaskEventBus,
    private readonly hooks: TaskHooks,
    private readonly explorer: TaskExplorer,
    private readonly dispatcher: TaskDispatcher,
  ) {}

  /**
   * Starts consuming. Resolves once the worker is running (not when it stops).
   * In a process-pool child it serves its parent instead.
   */
  async start(options: WorkerStartOptions = {}): Promise<void> {
    assertNotRunning(this.state);
    if (this.config.eager) {
      throw new NestTasksError('TaskWorker cannot start in eager mode: tasks already run inline on delay()');
    }
    this.options = resolveWorkerOptions(options);
    this.explorer.explore();
    if (isPoolChild()) {
      this.state = 'pool-child';
      new PoolChild(this.executor, this.logger).serve();
      return;
    }
    this.buffer = new SettleBuffer(this.broker, this.logger);
    this.control = new WorkerControl(this.broker, this.logger, (ids) => this.terminate(ids), (message) => this.onControl(message));
    await this.control.start();
    this.pool =
      this.options.pool === 'process'
        ? new ProcessPool(this.executor, this.registry, {
            size: this.options.concurrency,
            maxTasksPerChild: this.options.maxTasksPerChild,
            maxMemoryPerChild: this.options.maxMemoryPerChild,
            entry: this.options.poolEntry,
          }, this.logger)
        : new InlinePool(this.executor);
    await this.pool.start();
    this.state = 'running';
    this.cold = false;
    this.stats.startedAt = Date.now();
    const lease = this.config.visibilityTimeout;
    this.leaseTimer = setInterval(() => void this.extendLeases(), Math.max(250, Math.floor(lease / 3)));
    this.leaseTimer.unref();
    this.loop = this.consume();
    await this.hooks.workerStarted(this.info());
    const { queues, concurrency, pool } = this.options;
    this.logger.log(
      `Worker ${this.id} consuming ${queues.join(', ')} on ${this.broker.description} (${pool} pool, concurrency ${concurrency}); tasks: ${this.registry.names().join(', ') || 'none'}`,
    );
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Who this worker is and what it consumes. */
  info(): WorkerInfo {
    const { queues, concurrency, beat, pool } = this.options;
    return { id: this.id, queues, concurrency, beat, pool };
  }

  /** The tasks this worker holds now: running (with start time) and reserved (waiting for a slot). */
  snapshot(): {
    running: Array<{ id: string; task: string; queue: string; args: unknown[]; retries: number; delivery: number; startedAt: number }>;
    reserved: Array<{ id: string; task: string; queue: string; args: unknown[] }>;
  } {
    const describe = (job: Job) => ({ id: job.message.id, task: job.message.task, queue: job.reserved.queue, args: job.message.args });
    return {
      running: [...this.running].map((job) => ({ ...describe(job), retries: job.message.retries, delivery: job.reserved.delivery, startedAt: job.startedAt })),
      reserved: [...this.starting, ...this.waiting].map(describe),
    };
  }

  /** Counters since start. */
  getStats(): { id: string; active: number; reserved: number } & typeof this.stats {
    return { id: this.id, active: this.running.size, reserved: this.starting.length + this.waiting.length, ...this.stats };
  }

  /**
   * Warm shutdown: stops fetching, lets running tasks finish within `shutdownGrace`,
   * records their results and acknowledges them; tasks still running after that are
   * given back to the queue. A SIGTERM or SIGINT meanwhile makes it cold: running tasks
   * are given back at once. Safe to call twice.
   */
  stop(): Promise<void> {
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

  // ---- the loop ----------------------------------------------------------------------------

  private async consume(): Promise<void> {
    const wakeAt = new Map<string, number | null>();
    while (this.state === 'running') {
      try {
        const free = this.options.prefetch - this.running.size - this.starting.length - this.waiting.length;
        if (free <= 0) {
          await new Promise<void>((resolve) => (this.slotFreed = resolve));
          // Let the tasks finishing in this turn finish too: one fetch for all their slots.
          await new Promise((resolve) => setImmediate(resolve));
          continue;
        }
        const got = await this.reserve(free, wakeAt);
        if (got === 0 && this.state === 'running') {
          await this.broker.waitForWork(this.options.queues, this.idleWait(wakeAt));
        }
      } catch (error) {
        if (this.state !== 'running') break;
        this.logger.warn(`Fetching failed, retrying in ${ERROR_PAUSE_MS} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }

  /**
   * Offers the free slots to the queues by weight, all in one round trip; slots a
   * queue could not fill are offered to the others. Who goes first rotates, one
   * rotation position per slot offered.
   */
  private async reserve(free: number, wakeAt: Map<string, number | null>): Promise<number> {
    const { queues, rotation } = this.options;
    const cursor = this.rotation % rotation.length;
    const start = queues.indexOf(rotation[cursor]);
    const order = queues.map((_, i) => queues[(start + i) % queues.length]);
    const shares = shareSlots(free, rotation, cursor);
    this.rotation = (cursor + free) % rotation.length;
    const asked = order.filter((queue) => (shares.get(queue) ?? 0) > 0);
    const results = await Promise.all(asked.map((queue) => this.broker.reserve(queue, shares.get(queue)!, this.config.visibilityTimeout)));
    let got = 0;
    const full: string[] = [];
    asked.forEach((queue, i) => {
      got += this.take(queue, results[i].messages, wakeAt, results[i].wakeAt);
      if (results[i].messages.length === shares.get(queue)) full.push(queue);
    });
    for (const queue of order) {
      if (got >= free || this.state !== 'running') break;
      if (asked.includes(queue) && !full.includes(queue)) continue;
      const more = await this.broker.reserve(queue, free - got, this.config.visibilityTimeout);
      got += this.take(queue, more.messages, wakeAt, more.wakeAt);
    }
    return got;
  }

  private take(queue: string, messages: ReservedMessage[], wakeAt: Map<string, number | null>, at: number | null): number {
    wakeAt.set(queue, at);
    if (this.state === 'running') {
      for (const reserved of messages) this.accept(reserved);
    } else {
      // Fetched while stopping: back to the front of the queue, the last first, keeping their order.
      for (const reserved of [...messages].reverse()) this.buffer.add({ kind: 'release', id: reserved.id, queue, delivery: reserved.delivery }, null);
    }
    return messages.length;
  }

  private idleWait(wakeAt: Map<string, number | null>): number {
    let soonest = Date.now() + MAX_IDLE_WAIT_MS;
    for (const at of wakeAt.values()) if (at !== null && at < soonest) soonest = at;
    return Math.max(1, soonest - Date.now());
  }

  private accept(reserved: ReservedMessage): void {
    if (reserved.body === null) {
      this.deadLetter(reserved, null, `no stored message for id ${JSON.stringify(reserved.id)}`);
      return;
    }
    let message: TaskMessage;
    try {
      message = decodeMessage(reserved.body);
    } catch (error) {
      this.deadLetter(reserved, reserved.body, (error as MessageDecodeError).message);
      return;
    }
    // The task's own result options hold for messages whose producer did not know them (sent by name).
    const declared = this.registry.get(message.task)?.options;
    if (message.ignoreResult === undefined && declared?.ignoreResult) message.ignoreResult = true;
    if (message.resultExpires === undefined && declared?.resultExpires !== undefined) message.resultExpires = declared.resultExpires;
    const job: Job = { reserved, message, abort: new RunAbort(), released: false, acked: false, startedAt: 0 };
    if (this.events.active) {
      const { id, task, queue, retries, args } = message;
      this.events.emit({ type: 'received', at: Date.now(), taskId: id, task, queue, worker: this.id, retries, args });
    }
    if (this.control.isRevoked(message.id)) {
      void this.finish(job, { kind: 'revoked', reason: 'revoked' });
      return;
    }
    if (this.running.size + this.starting.length < this.options.concurrency) {
      this.starting.push(job);
      this.scheduleStart();
    } else {
      this.waiting.push(job);
      this.record(job, TaskState.RECEIVED);
    }
  }

  /**
   * Starts the jobs of a fetch half at a time, one turn of the event loop each: the
   * acknowledgements of the first half and the fetch for their slots then travel to
   * Redis while the second half runs, instead of the worker and Redis taking turns.
   */
  private scheduleStart(): void {
    if (this.startScheduled) return;
    this.startScheduled = true;
    // Started from a microtask: the settle flush (a nextTick) then waits for the tasks that
    // finish at once, and their STARTED and SUCCESS records travel as one write.
    setImmediate(() =>
      queueMicrotask(() => {
        this.startScheduled = false;
        // Two turns per full batch: the first half's acknowledgements and refill travel while the second half runs.
      const chunk = Math.ceil(this.options.concurrency / 2);
      for (let n = 0; n < chunk && this.starting.length > 0; n++) {
          const job = this.starting.shift()!;
          if (this.state === 'running') this.run(job);
          else this.release(job);
        }
        if (this.starting.length > 0) this.scheduleStart();
      }),
    );
  }

  private deadLetter(reserved: ReservedMessage, raw: string | null, reason: string): void {
    this.logger.error(`Message ${reserved.id} on queue ${reserved.queue} moved to the dead-letter list: ${reason}`);
    const { id, queue, delivery } = reserved;
    this.buffer.add({ kind: 'dead', id, queue, delivery, raw, reason }, null);
  }

  private run(job: Job): void {
    this.running.add(job);
    const done = () => {
      this.running.delete(job);
      const next = this.waiting.shift();
      if (next && this.state === 'running') this.run(next);
      else if (next) this.release(next);
      this.slotFreed?.();
      this.slotFreed = undefined;
    };
    this.execute(job).then(done, (error: Error) => {
      this.logger.error(`Settling task ${job.message.id} failed: ${error.message}`);
      done();
    });
  }

  private async execute(job: Job): Promise<void> {
    const { message, reserved } = job;
    // Revoked while this worker held it (prefetched): it still never starts.
    if (this.control.isRevoked(message.id)) return this.finish(job, { kind: 'revoked', reason: 'revoked' });
    const definition = this.registry.get(message.task);
    const rate = this.control.rateFor(message.task, definition?.options.rateLimit);
    const expired = message.expires !== undefined && Date.now() > message.expires;
    if (rate && !expired) {
      // A start slot shared by every worker; while waiting for it the message sits in the delayed
      // set (no lease, no slot held here), carrying the ticket of the slot reserved for it.
      const waiting = message as RateWaitingMessage;
      const { wait, ticket } = await this.broker.acquireRateSlot(message.task, rate.intervalMs / rate.count, waiting.rateTicket);
      if (wait > 0) {
        const body = encodeMessage({ ...message, rateTicket: ticket } as RateWaitingMessage);
        const { id, queue, delivery } = reserved;
        this.buffer.add({ kind: 'rate-wait', id, queue, delivery, body, eta: Date.now() + wait, task: message.task, issued: ticket!.issued }, null);
        return;
      }
      delete waiting.rateTicket;
    }
    job.startedAt = Date.now();
    if (definition?.options.acksLate === false) {
      job.acked = true;
      this.buffer.add(this.ackOp(job), null);
    }
    this.record(job, TaskState.STARTED);
    const result = await this.pool.run(message, { delivery: reserved.delivery, abort: job.abort, worker: this.id });
    return this.finish(job, result);
  }

  /** Runs the outcome hooks (a promise only when one of them is async), then settles. */
  private finish(job: Job, result: PoolResult): Promise<void> | void {
    if (job.released) return;
    const { message } = job;
    if (result.kind === 'lost') {
      this.lost(job, result.reason, this.registry.get(message.task)?.options.rejectOnWorkerLost !== false);
      return;
    }
    // Not acknowledged when a hook fails: the lease runs out and the message is delivered again.
    const failed = (error: unknown) =>
      this.logger.error(`After-task step of ${message.task}[${message.id}] failed, it will be delivered again: ${(error as Error).message}`);
    let pending: Promise<void> | void;
    try {
      pending = this.executor.complete(message, result);
    } catch (error) {
      failed(error);
      return;
    }
    if (pending) return pending.then(() => this.settle(job, result), failed);
    this.settle(job, result);
  }

  private settle(job: Job, outcome: ExecutionOutcome): void {
    const { message } = job;
    if (this.events.active) this.events.emit(eventForOutcome(message, outcome, this.id));
    const write = recordForOutcome(message, outcome, resultTtl(message, this.config.resultExpires), this.id);
    let op: SettleOp | null = job.acked ? null : this.ackOp(job);
    this.stats.processed++;
    switch (outcome.kind) {
      case 'success':
        this.stats.succeeded++;
        break;
      case 'failure':
        this.stats.failed++;
        this.logger.error(`Task ${message.task}[${message.id}] failed: ${outcome.error.name}: ${outcome.error.message}`);
        break;
      case 'retry': {
        this.stats.retried++;
        const body = encodeMessage(outcome.message);
        const retryIn = Math.max(0, outcome.eta - Date.now());
        this.logger.warn(`Task ${message.task}[${message.id}] retry ${outcome.message.retries} in ${retryIn} ms: ${outcome.error.message}`);
        if (job.acked) {
          void this.dispatcher.retry(outcome.message, body, outcome.eta).catch((error: Error) =>
            this.logger.error(`Could not schedule retry of ${message.id}: ${error.message}`),
          );
        } else {
          const { id, queue, delivery } = job.reserved;
          op = { kind: 'requeue', id, queue, delivery, body, eta: outcome.eta };
        }
        break;
      }
      case 'revoked':
        this.stats.revoked++;
        this.logger.warn(`Task ${message.task}[${message.id}] revoked: ${outcome.reason}`);
        break;
    }
    this.buffer.add(op, write);
  }

  /** The process that ran the task died (a pool child): deliver it again, or fail it. */
  private lost(job: Job, reason: string, requeue: boolean): void {
    const { message, reserved } = job;
    if (requeue && !job.acked) {
      this.logger.warn(`Task ${message.task}[${message.id}] lost (${reason}); delivering it again`);
      this.buffer.add({ kind: 'release', id: reserved.id, queue: reserved.queue, delivery: reserved.delivery, lost: true }, null);
      return;
    }
    const error = { name: 'WorkerLostError', message: `Worker lost: ${reason}` };
    void this.finish(job, { kind: 'failure', error, startedAt: job.startedAt, finishedAt: Date.now(), retries: message.retries });
  }

  private ackOp(job: Job): SettleOp {
    const { id, queue, delivery } = job.reserved;
    return { kind: 'ack', id, queue, delivery };
  }

  private record(job: Job, state: typeof TaskState.RECEIVED | typeof TaskState.STARTED): void {
    const { message } = job;
    if (message.ignoreResult) return;
    const record = { id: message.id, state, task: message.task, queue: message.queue, worker: this.id, retries: message.retries, startedAt: state === TaskState.STARTED ? job.startedAt : undefined };
    this.buffer.add(null, { record, ttl: resultTtl(message, this.config.resultExpires), keepReady: true });
  }

  private terminate(ids: string[]): void {
    const wanted = new Set(ids);
    for (const job of this.running) {
      if (!wanted.has(job.message.id)) continue;
      this.logger.warn(`Terminating task ${job.message.task}[${job.message.id}]`);
      job.abort.stop(new TaskTerminatedError('terminated by revoke'));
      this.pool.terminate(job.message.id);
    }
  }

  private onControl(message: ControlMessage): void {
    if (message.type === 'shutdown' && (message.worker === undefined || message.worker === this.id)) {
      this.logger.warn('Shutdown requested through the control channel');
      void this.stop();
    }
  }

  private async extendLeases(): Promise<void> {
    const byQueue = new Map<string, string[]>();
    for (const job of [...this.running, ...this.starting, ...this.waiting]) {
      if (job.acked || job.released) continue;
      const list = byQueue.get(job.reserved.queue) ?? [];
      list.push(job.reserved.id);
      byQueue.set(job.reserved.queue, list);
    }
    for (const [queue, ids] of byQueue) {
      await this.broker
        .extendLeases(queue, ids, this.config.visibilityTimeout)
        .catch((error: Error) => this.logger.warn(`Could not extend leases on ${queue}: ${error.message}`));
    }
  }

  // ---- shutdown ----------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    this.state = 'stopping';
    const goCold = () => {
      if (this.cold) return;
      this.cold = true;
      this.logger.warn('Cold shutdown: giving running tasks back to the queue now');
      this.slotFreed?.();
    };
    process.on('SIGTERM', goCold);
    process.on('SIGINT', goCold);
    try {
      await this.hooks.workerStopping(this.info()).catch((error: Error) => this.logger.warn(`A stop hook failed: ${error.message}`));
      const deadline = Date.now() + this.options.shutdownGrace;
      this.slotFreed?.();
      await this.broker.interrupt().catch(() => undefined);
      // Each release goes to the front of its queue: the last first, so they keep their order.
      for (const job of [...this.starting.splice(0), ...this.waiting.splice(0)].reverse()) this.release(job);
      if (this.running.size > 0) {
        this.logger.log(`Waiting up to ${this.options.shutdownGrace} ms for ${this.running.size} running task(s)`);
        await this.waitForRunning(deadline);
      }
      for (const job of this.running) {
        job.abort.stop(new NestTasksError('worker shutting down'));
        this.release(job);
      }
      await this.loop?.catch(() => undefined);
      await this.buffer.drain(Date.now() + 5000);
      this.buffer.dispose();
      this.control.stop();
      await this.pool.stop();
      if (this.leaseTimer) clearInterval(this.leaseTimer);
      this.logger.log(`Worker ${this.id} stopped after ${this.stats.processed} task(s)`);
    } finally {
      process.off('SIGTERM', goCold);
      process.off('SIGINT', goCold);
    }
  }

  private release(job: Job): void {
    if (job.acked || job.released) return;
    job.released = true;
    const { id, queue, delivery } = job.reserved;
    this.buffer.add({ kind: 'release', id, queue, delivery }, null);
  }

  private async waitForRunning(deadline: number): Promise<void> {
    while (this.running.size > 0 && Date.now() < deadline && !this.cold) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now())));
        this.slotFreed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
