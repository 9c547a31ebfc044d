import type { Logger } from '@nestjs/common';
import type { ReservedMessage, SettleOp } from '../../broker/ports/message-queue';
import type { TaskDispatcher } from '../../dispatch/task-dispatcher';
import type { ExecutionOutcome } from '../../execution/execution-outcome';
import { resultTtl } from '../../execution/outcome-records';
import type { OutcomeSettler } from '../../execution/outcome-settler';
import type { TaskRegistry } from '../../registry/task-registry';
import type { ResultWrite } from '../../serialization/result-record';
import { encodeMessage, type TaskMessage } from '../../serialization/task-message';
import { decodeStored } from '../../broker/ports/stored-message';
import { serializeError } from '../../serialization/error-serializer';
import { DeadLetteredError } from '../../errors';
import { TaskState } from '../../serialization/task-state';
import type { PoolResult } from '../pool/task-pool';
import type { SettleBuffer } from '../settle-buffer';
import type { Job } from './job';

/** Runs of the outcome hooks of a job acknowledged at start, before its result is stored without them. */
const HOOK_ATTEMPTS = 5;
const HOOK_RETRY_STEP_MS = 200;

/** Counters of one run. */
export interface WorkerStats {
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  revoked: number;
  startedAt: number;
}

/**
 * Settles the jobs of one run: their outcome (hooks, event and result through the
 * shared OutcomeSettler), their acknowledgement, retry, release or dead letter, all
 * through the run's SettleBuffer, so one tick's writes travel together.
 */
export class JobSettler {
  readonly stats: WorkerStats = { processed: 0, succeeded: 0, failed: 0, retried: 0, revoked: 0, startedAt: Date.now() };

  constructor(
    private readonly worker: string,
    private readonly buffer: SettleBuffer,
    private readonly outcomes: OutcomeSettler,
    private readonly dispatcher: TaskDispatcher,
    private readonly registry: TaskRegistry,
    private readonly resultExpires: number,
    private readonly logger: Logger,
    private readonly maxDeliveries: number,
  ) {}

  /** Runs the outcome hooks (a promise only when one of them is async), then settles. */
  finish(job: Job, result: PoolResult, attempt = 1): Promise<void> | void {
    if (job.released) return;
    const { message } = job;
    if (result.kind === 'lost') {
      this.lost(job, result.reason, this.registry.get(message.task)?.options.rejectOnWorkerLost !== false);
      return;
    }
    if (result.kind === 'unavailable') {
      // It never started: back to the front of its queue, uncounted, for a worker that can run it.
      this.logger.warn(`Task ${message.task}[${message.id}] given back to its queue: ${result.reason}`);
      this.release(job);
      return;
    }
    const failed = (error: unknown): Promise<void> | void => {
      const why = (error as Error)?.message ?? String(error);
      // Not acknowledged when a hook fails: the lease runs out and the message is delivered again.
      if (!job.acked) return this.logger.error(`After-task step of ${message.task}[${message.id}] failed, it will be delivered again: ${why}`);
      // Acknowledged at start (acksLate: false): nothing will deliver it again, so the job keeps its slot and tries again here.
      if (attempt < HOOK_ATTEMPTS) {
        const delay = attempt * HOOK_RETRY_STEP_MS;
        this.logger.warn(`After-task step of ${message.task}[${message.id}] failed (acknowledged at start), trying again in ${delay} ms: ${why}`);
        return new Promise<void>((resolve) => setTimeout(resolve, delay)).then(() => this.finish(job, result, attempt + 1));
      }
      this.logger.error(`After-task step of ${message.task}[${message.id}] failed ${attempt} times; its result is stored without it: ${why}`);
      this.outcomes.commit(message, result, this.worker, (write) => this.commit(job, result, write));
    };
    try {
      const pending = this.outcomes.settle(message, result, this.worker, (write) => this.commit(job, result, write));
      if (pending) return pending.catch(failed);
    } catch (error) {
      return failed(error);
    }
  }

  /** Acknowledges a job at its start (acksLate: false). */
  ackEarly(job: Job): void {
    job.acked = true;
    this.buffer.add(this.ackOp(job), null);
  }

  /** A RECEIVED or STARTED record, unless the task ignores its result. */
  record(job: Job, state: typeof TaskState.RECEIVED | typeof TaskState.STARTED): void {
    const { message } = job;
    if (message.ignoreResult) return;
    const record = { id: message.id, state, task: message.task, queue: message.queue, worker: this.worker, retries: message.retries, startedAt: state === TaskState.STARTED ? job.startedAt : undefined };
    this.buffer.add(null, { record, ttl: resultTtl(message, this.resultExpires), keepReady: true });
  }

  /** Gives a job back untouched, at the front of its queue (every job of a batch). */
  release(job: Job): void {
    // The last first: each release goes to the front of the queue, so they keep their order.
    for (const one of [...(job.batch ?? [job])].reverse()) this.releaseOne(one);
  }

  private releaseOne(job: Job): void {
    if (job.acked || job.released) return;
    job.released = true;
    this.releaseReserved(job.reserved);
  }

  releaseReserved({ id, queue, lease }: ReservedMessage): void {
    this.buffer.add({ kind: 'release', id, queue, lease }, null);
  }

  /** Parks a rate-limited job, unleased, until its start slot (`body` carries the slot's ticket). */
  rateWait(job: Job, body: string, eta: number, issued: number): void {
    const { id, queue, lease } = job.reserved;
    this.buffer.add({ kind: 'rate-wait', id, queue, lease, body, eta, task: job.message.task, issued }, null);
  }

  deadLetter(reserved: ReservedMessage, raw: string | null, reason: string): void {
    this.logger.error(`Message ${reserved.id} on queue ${reserved.queue} moved to the dead-letter list: ${reason}`);
    const { id, queue, lease } = reserved;
    this.buffer.add({ kind: 'dead', id, queue, lease, raw, reason }, null);
    this.failDeadLettered(id, queue, raw, reason, false);
  }

  /**
   * A message that went to the dead-letter list ends its task FAILURE (DeadLetteredError)
   * unless a final result is there already; when the message can be read, the failure
   * hooks run too, so its chain or chord fails instead of waiting forever.
   */
  failDeadLettered(id: string, queue: string, raw: string | null, reason: string, log = true): void {
    if (log) this.logger.error(`Message ${id} moved to the dead-letter list: ${reason}`);
    const error = serializeError(new DeadLetteredError(reason));
    const finishedAt = Date.now();
    let message: TaskMessage | null = null;
    try {
      if (raw !== null) message = decodeStored(raw, id, queue);
    } catch {
      message = null;
    }
    if (!message || message.id !== id) {
      const record = { id, state: TaskState.FAILURE, error, finishedAt };
      this.buffer.add(null, { record, ttl: this.resultExpires, keepReady: true });
      return;
    }
    const failed = message;
    const outcome = { kind: 'failure' as const, error, finishedAt, retries: failed.retries };
    const store = (write: ResultWrite | null) => {
      if (write) this.buffer.add(null, { ...write, keepReady: true });
    };
    try {
      const pending = this.outcomes.settle(failed, outcome, this.worker, store);
      if (pending) pending.catch((e: Error) => this.logger.error(`After-task step of dead-lettered ${failed.task}[${id}] failed: ${e.message}`));
    } catch (e) {
      this.logger.error(`After-task step of dead-lettered ${failed.task}[${id}] failed: ${(e as Error).message}`);
    }
  }

  private commit(job: Job, outcome: ExecutionOutcome, write: ResultWrite | null): void {
    const { message } = job;
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
          const { id, queue, lease } = job.reserved;
          op = { kind: 'requeue', id, queue, lease, body, eta: outcome.eta };
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
      this.buffer.add({ kind: 'release', id: reserved.id, queue: reserved.queue, lease: reserved.lease, lost: true }, null);
      if (reserved.delivery >= this.maxDeliveries) {
        // The release dead-letters it (requeue.lua): its task fails, and its workflow goes on.
        this.failDeadLettered(message.id, reserved.queue, reserved.body, `its process died ${reserved.delivery} times (maxDeliveries ${this.maxDeliveries})`);
      } else {
        this.logger.warn(`Task ${message.task}[${message.id}] lost (${reason}); delivering it again`);
      }
      return;
    }
    const error = { name: 'WorkerLostError', message: `Worker lost: ${reason}` };
    void this.finish(job, { kind: 'failure', error, startedAt: job.startedAt, finishedAt: Date.now(), retries: message.retries });
  }

  private ackOp(job: Job): SettleOp {
    const { id, queue, lease } = job.reserved;
    return { kind: 'ack', id, queue, lease };
  }
}
