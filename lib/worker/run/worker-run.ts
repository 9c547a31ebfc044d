import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import type { Broker, ControlMessage, ReservedMessage } from '../../broker/ports/broker';
import type { TaskConfig } from '../../config/task-config';
import type { TaskDispatcher } from '../../dispatch/task-dispatcher';
import { MessageDecodeError, NestTasksError, TaskTerminatedError } from '../../errors';
import type { TaskEventBus } from '../../events/task-event-bus';
import { OutcomeSettler } from '../../execution/outcome-settler';
import { RunAbort } from '../../execution/run-abort';
import type { TaskExecutor } from '../../execution/task-executor';
import type { WorkerInfo } from '../../execution/task-hooks';
import type { TaskRegistry } from '../../registry/task-registry';
import { encodeMessage, type TaskMessage } from '../../serialization/task-message';
import { decodeStored } from '../../broker/ports/stored-message';
import { TaskState } from '../../serialization/task-state';
import { InlinePool } from '../pool/inline-pool';
import { ProcessPool } from '../pool/process-pool';
import type { TaskPool } from '../pool/task-pool';
import { QueueShards } from '../../routing/queue-shards';
import { SettleBuffer } from '../settle-buffer';
import { WorkerControl } from '../worker-control';
import type { ResolvedWorkerOptions } from '../worker-options';
import { BatchCollector } from './batch-collector';
import { Fetcher, type Fetched } from './fetcher';
import type { Job, RateWaitingMessage } from './job';
import { JobSettler, type WorkerStats } from './job-settler';
import { JobSlots } from './job-slots';
import { PrefetchPolicy, SHORT_TASK_MS } from './prefetch-policy';
import { LeaseKeeper } from './lease-keeper';
import { ShardDirectory } from './shard-directory';

/** How often a worker looks for leftover shards to drain (a queue's `shards` was lowered). */
const SHARD_REFRESH_MS = 30_000;

/** What a run needs from the worker's module. */
export interface WorkerRunDeps {
  readonly config: TaskConfig;
  readonly broker: Broker;
  readonly registry: TaskRegistry;
  readonly executor: TaskExecutor;
  readonly events: TaskEventBus;
  readonly dispatcher: TaskDispatcher;
  readonly logger: Logger;
}

/**
 * One run of a worker, from `start()` to the end of `stop()`: the fetcher, the job
 * slots, the lease keeper and the settler, over one pool and one control channel.
 */
export class WorkerRun {
  private state: 'running' | 'stopping' = 'running';
  private cold = false;
  private readonly buffer: SettleBuffer;
  private readonly settler: JobSettler;
  private readonly slots: JobSlots;
  /** Held jobs whose RECEIVED record waits for recordReceivedSoon's timer. */
  private readonly waitingToRecord: Job[] = [];
  private receivedTimer?: NodeJS.Timeout;
  private readonly batches: BatchCollector;
  private readonly leases: LeaseKeeper;
  private readonly control: WorkerControl;
  private readonly pool: TaskPool;
  private readonly shards: ShardDirectory;
  private shardRefresh?: NodeJS.Timeout;
  private loop?: Promise<void>;
  private stopRequested!: () => void;
  private readonly stopSignal = new Promise<void>((resolve) => (this.stopRequested = resolve));

  constructor(
    readonly info: WorkerInfo,
    private readonly options: ResolvedWorkerOptions,
    private readonly deps: WorkerRunDeps,
    /** Called when the control channel asks this worker to shut down. */
    onShutdownRequest: () => void,
  ) {
    const { config, broker, registry, executor, events, dispatcher, logger } = deps;
    this.buffer = new SettleBuffer(broker, logger);
    this.settler = new JobSettler(info.id, this.buffer, new OutcomeSettler(executor, events, config.resultExpires), dispatcher, registry, config.resultExpires, logger, config.maxDeliveries);
    const prefetch = new PrefetchPolicy(options.concurrency, options.adaptivePrefetch ? undefined : options.prefetch);
    this.slots = new JobSlots(options.concurrency, prefetch, (job) => this.execute(job), (job) => this.settler.release(job), () => this.state === 'running');
    this.batches = new BatchCollector((lead) => this.offer(lead));
    this.leases = new LeaseKeeper(broker, () => [...this.slots.held(), ...this.batches.held()], config.visibilityTimeout, logger);
    this.shards = new ShardDirectory(options.queues, new QueueShards(config.queues), broker);
    this.control = new WorkerControl(broker, logger, (ids) => this.terminate(ids), (message) => {
      if (isShutdownFor(message, info.id)) onShutdownRequest();
    });
    this.pool =
      options.pool === 'process'
        ? new ProcessPool(
            executor,
            registry,
            {
              size: options.concurrency,
              maxTasksPerChild: options.maxTasksPerChild,
              maxMemoryPerChild: options.maxMemoryPerChild,
              entry: options.poolEntry,
              isRevoked: (id) => this.control.isRevoked(id),
            },
            logger,
          )
        : new InlinePool(executor);
  }

  get stats(): WorkerStats {
    return this.settler.stats;
  }

  /** Running tasks; a running batch counts as one (it takes one slot). */
  get active(): number {
    return this.slots.running.size;
  }

  /** Messages held but not running, those of filling and waiting batches included. */
  get reserved(): number {
    return this.slots.queuedJobs().reduce((n, job) => n + (job.batch?.length ?? 1), 0) + this.batches.held().length;
  }

  /** Null while this run can run tasks; otherwise why not (its process pool has no child). */
  get problem(): string | null {
    return this.pool.problem;
  }

  async start(): Promise<void> {
    await this.control.start();
    await this.pool.start();
    this.settler.stats.startedAt = Date.now();
    this.leases.start();
    await this.refreshShards();
    this.shardRefresh = setInterval(() => void this.refreshShards(), SHARD_REFRESH_MS);
    this.shardRefresh.unref();
    const fetcher = new Fetcher(
      this.deps.broker,
      this.options,
      this.deps.config.visibilityTimeout,
      this.slots,
      (fetched) => this.take(fetched),
      () => this.state === 'running',
      this.deps.logger,
      () => (this.pool.problem === null ? undefined : Promise.race([this.pool.whenAvailable(), this.stopSignal])),
      this.shards,
      () => this.buffer.sendBeforeFetch(),
    );
    this.loop = fetcher.run();
  }

  private async refreshShards(): Promise<void> {
    await this.shards.refresh().catch((error: Error) => this.deps.logger.warn(`Looking for leftover shards failed: ${error.message}`));
  }

  /** The tasks this run holds now: running (with start time) and reserved (waiting for a slot). */
  snapshot(): {
    running: Array<{ id: string; task: string; queue: string; args: unknown[]; retries: number; delivery: number; startedAt: number }>;
    reserved: Array<{ id: string; task: string; queue: string; args: unknown[] }>;
  } {
    const describe = (job: Job) => ({ id: job.message.id, task: job.message.task, queue: job.reserved.queue, args: job.message.args });
    return {
      running: [...this.slots.running].flatMap((job) => job.batch ?? [job]).map((job) => ({ ...describe(job), retries: job.message.retries, delivery: job.reserved.delivery, startedAt: job.startedAt })),
      reserved: [...this.slots.queuedJobs().flatMap((job) => job.batch ?? [job]), ...this.batches.held()].map(describe),
    };
  }

  private take({ messages, dead }: Fetched): void {
    // Dead-lettered by this reserve (their lease ran out too often): their tasks fail, their workflows go on.
    for (const entry of dead) this.settler.failDeadLettered(entry.id, entry.queue, entry.body, entry.reason);
    if (this.state === 'running') {
      for (const reserved of messages) this.accept(reserved);
    } else {
      // Fetched while stopping: back to the front of the queue, the last first, keeping their order.
      for (const reserved of [...messages].reverse()) this.settler.releaseReserved(reserved);
    }
  }

  private accept(reserved: ReservedMessage): void {
    if (reserved.body === null) {
      this.settler.deadLetter(reserved, null, `no stored message for id ${JSON.stringify(reserved.id)}`);
      return;
    }
    let message: TaskMessage;
    try {
      message = decodeStored(reserved.body, reserved.id, reserved.queue);
    } catch (error) {
      this.settler.deadLetter(reserved, reserved.body, (error as MessageDecodeError).message);
      return;
    }
    if (message.id !== reserved.id) {
      // Its result would land under another task's id.
      this.settler.deadLetter(reserved, reserved.body, `the message names id ${JSON.stringify(message.id)}, not the id it is stored under`);
      return;
    }
    // The task's own result options hold for messages whose producer did not know them (sent by name).
    const declared = this.deps.registry.get(message.task)?.options;
    if (message.ignoreResult === undefined && declared?.ignoreResult) message.ignoreResult = true;
    if (message.resultExpires === undefined && declared?.resultExpires !== undefined) message.resultExpires = declared.resultExpires;
    const job: Job = { reserved, message, abort: new RunAbort(), released: false, acked: false, startedAt: 0 };
    if (this.deps.events.active) {
      const { id, task, queue, retries, args } = message;
      this.deps.events.emit({ type: 'received', at: Date.now(), taskId: id, task, queue, worker: this.info.id, retries, args });
    }
    if (this.control.isRevoked(message.id)) {
      void this.settler.finish(job, { kind: 'revoked', reason: 'revoked' });
      return;
    }
    if (declared?.batch) {
      this.settler.record(job, TaskState.RECEIVED);
      this.batches.hold(job, declared.batch);
      return;
    }
    this.offer(job);
  }

  /** Into a slot, or the waiting line (RECEIVED, once it has waited a moment); a formed batch takes one slot. */
  private offer(job: Job): void {
    if (!this.slots.offer(job) && !job.batch) this.recordReceivedSoon(job);
  }

  /**
   * A held job's RECEIVED record, written only if it still waits SHORT_TASK_MS later: held
   * briefly (a short task's next message), it would be a write that STARTED overwrites at once.
   */
  private recordReceivedSoon(job: Job): void {
    this.waitingToRecord.push(job);
    if (this.receivedTimer) return;
    this.receivedTimer = setTimeout(() => {
      this.receivedTimer = undefined;
      for (const held of this.waitingToRecord.splice(0)) {
        if (held.startedAt === 0 && !held.released && !held.acked) this.settler.record(held, TaskState.RECEIVED);
      }
    }, SHORT_TASK_MS);
  }

  /** Runs a job in its slot; never rejects. Returns no promise when the job ran and settled at once. */
  private execute(job: Job): Promise<void> | void {
    try {
      const settled = this.executeJob(job);
      if (settled) return settled.catch((error: Error) => this.settleFailed(job, error));
    } catch (error) {
      this.settleFailed(job, error as Error);
    }
  }

  private settleFailed(job: Job, error: Error): void {
    this.deps.logger.error(`Settling task ${job.message.id} failed: ${error.message}`);
  }

  private executeJob(job: Job): Promise<void> | void {
    if (job.batch) return this.executeBatch(job, job.batch);
    const { message } = job;
    // Revoked while this worker held it (prefetched): it still never starts.
    if (this.control.isRevoked(message.id)) return this.settler.finish(job, { kind: 'revoked', reason: 'revoked' });
    const definition = this.deps.registry.get(message.task);
    const rate = this.control.rateFor(message.task, definition?.options.rateLimit);
    const expired = message.expires !== undefined && Date.now() > message.expires;
    if (rate && !expired) return this.startWhenRateAllows(job, rate.intervalMs / rate.count, definition?.options.acksLate);
    return this.startJob(job, definition?.options.acksLate);
  }

  /**
   * A start slot shared by every worker; while waiting for it the message sits in the delayed
   * set (no lease, no slot held here), carrying the ticket of the slot reserved for it.
   */
  private async startWhenRateAllows(job: Job, spacingMs: number, acksLate: boolean | undefined): Promise<void> {
    const waiting = job.message as RateWaitingMessage;
    const { wait, ticket } = await this.deps.broker.acquireRateSlot(waiting.task, spacingMs, waiting.rateTicket);
    if (wait > 0) {
      const body = encodeMessage({ ...waiting, rateTicket: ticket } as RateWaitingMessage);
      this.settler.rateWait(job, body, Date.now() + wait, ticket!.issued);
      return;
    }
    delete waiting.rateTicket;
    return this.startJob(job, acksLate);
  }

  private startJob(job: Job, acksLate: boolean | undefined): Promise<void> | void {
    job.startedAt = Date.now();
    if (acksLate === false) this.settler.ackEarly(job);
    this.settler.record(job, TaskState.STARTED);
    const result = this.pool.run(job.message, { delivery: job.reserved.delivery, abort: job.abort, worker: this.info.id });
    if (result instanceof Promise) return result.then((outcome) => this.settler.finish(job, outcome));
    return this.settler.finish(job, result);
  }

  /**
   * Runs a formed batch in one slot: its messages revoked meanwhile are settled REVOKED
   * and left out; each of the others is settled by its own outcome.
   */
  private async executeBatch(lead: Job, jobs: readonly Job[]): Promise<void> {
    const live: Job[] = [];
    for (const job of jobs) {
      if (this.control.isRevoked(job.message.id)) await this.settler.finish(job, { kind: 'revoked', reason: 'revoked' });
      else live.push(job);
    }
    if (live.length === 0) return;
    const startedAt = Date.now();
    for (const job of live) {
      job.startedAt = startedAt;
      this.settler.record(job, TaskState.STARTED);
    }
    const run = { batchId: randomUUID(), deliveries: live.map((job) => job.reserved.delivery), abort: lead.abort, worker: this.info.id };
    const results = await this.pool.runBatch(live.map((job) => job.message), run);
    await Promise.all(live.map((job, i) => this.settler.finish(job, job.terminated ? { kind: 'revoked', reason: 'terminated' } : results[i])));
  }

  private terminate(ids: string[]): void {
    const wanted = new Set(ids);
    for (const job of this.slots.running) {
      if (job.batch) {
        // The batch runs on for its other messages; a terminated one is settled REVOKED when it ends.
        for (const one of job.batch) if (wanted.has(one.message.id)) one.terminated = true;
        continue;
      }
      if (!wanted.has(job.message.id)) continue;
      this.deps.logger.warn(`Terminating task ${job.message.task}[${job.message.id}]`);
      job.abort.stop(new TaskTerminatedError('terminated by revoke'));
      this.pool.terminate(job.message.id);
    }
  }

  // ---- shutdown ----------------------------------------------------------------------------

  /**
   * Stops fetching, runs `stopping` (the stop hooks), gives back what has not started,
   * lets running tasks finish within `shutdownGrace` (a SIGTERM or SIGINT meanwhile
   * makes it cold), gives back what still runs, and sends every last acknowledgement
   * and result.
   */
  async stop(stopping: () => Promise<void>): Promise<void> {
    this.state = 'stopping';
    this.stopRequested();
    clearInterval(this.shardRefresh);
    const { broker, logger } = this.deps;
    const goCold = () => {
      if (this.cold) return;
      this.cold = true;
      logger.warn('Cold shutdown: giving running tasks back to the queue now');
      this.slots.wake();
    };
    process.on('SIGTERM', goCold);
    process.on('SIGINT', goCold);
    try {
      await stopping();
      const deadline = Date.now() + this.options.shutdownGrace;
      this.slots.wake();
      await broker.interrupt().catch(() => undefined);
      // Each release goes to the front of its queue: the last first, so they keep their order.
      for (const job of this.batches.takeAll().reverse()) this.settler.release(job);
      for (const job of this.slots.takeQueued().reverse()) this.settler.release(job);
      if (this.slots.running.size > 0) {
        logger.log(`Waiting up to ${this.options.shutdownGrace} ms for ${this.slots.running.size} running task(s)`);
        await this.waitForRunning(deadline);
      }
      for (const job of this.slots.running) {
        job.abort.stop(new NestTasksError('worker shutting down'));
        this.settler.release(job);
      }
      await this.loop?.catch(() => undefined);
      await this.buffer.drain(Date.now() + 5000);
      this.buffer.dispose();
      this.control.stop();
      await this.pool.stop();
      this.leases.stop();
    } finally {
      process.off('SIGTERM', goCold);
      process.off('SIGINT', goCold);
    }
  }

  private async waitForRunning(deadline: number): Promise<void> {
    while (this.slots.running.size > 0 && Date.now() < deadline && !this.cold) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.min(100, Math.max(1, deadline - Date.now())))));
      await Promise.race([this.slots.untilFreed(), tick]);
      clearTimeout(timer);
    }
  }
}

function isShutdownFor(message: ControlMessage, worker: string): boolean {
  return message.type === 'shutdown' && (message.worker === undefined || message.worker === worker);
}
