import type { Logger } from '@nestjs/common';
import { fork, type ChildProcess } from 'node:child_process';
import { NestTasksError, TaskTerminatedError, TimeLimitExceeded } from '../../errors';
import type { TaskRegistry } from '../../registry/task-registry';
import type { TaskMessage } from '../../serialization/task-message';
import type { TaskExecutor } from '../../execution/task-executor';
import { POOL_CHILD_ENV, type ChildToParent, type ParentToChild } from './pool-protocol';
import type { PoolBatchRun, PoolResult, PoolRun, TaskPool } from './task-pool';

export interface ProcessPoolOptions {
  size: number;
  /** Replace a child after this many tasks. */
  maxTasksPerChild?: number;
  /** Replace a child whose resident memory passes this many bytes after a task. */
  maxMemoryPerChild?: number;
  /** Script the children run; default: this process's entry script, as Node's cluster does. */
  entry?: string;
  /** True for a task revoked while it waited for a child: it is not started. */
  isRevoked?: (taskId: string) => boolean;
  /** A child that has not said it is ready by then is killed and replaced. Default 60 s. */
  bootTimeout?: number;
}

interface Run {
  /** The task's message; of a batch, its first. */
  message: TaskMessage;
  /** Set for a batch run: all its messages go to one child in one request. */
  batch?: { id: string; messages: readonly TaskMessage[]; deliveries: readonly number[] };
  run: PoolRun;
  /** One result per message. */
  resolve: (results: PoolResult[]) => void;
}

interface Child {
  readonly process: ChildProcess;
  ready: boolean;
  retiring: boolean;
  /** Why it never became ready, when known. */
  bootError?: string;
  tasks: number;
  busy?: Run & { timer?: NodeJS.Timeout; killedFor?: 'time-limit' | 'terminate'; startedAt: number; removeStop: () => void };
}

/** Grace over timeLimit for the child's own timer to answer before the parent kills it. */
const KILL_GRACE_MS = 250;
const BOOT_TIMEOUT_MS = 60_000;
/** Pause before replacing a child that failed to boot: doubles with each failure in a row, up to the maximum. */
const RESPAWN_BACKOFF_MS = 500;
const MAX_RESPAWN_BACKOFF_MS = 30_000;

/**
 * Runs each task in one of `size` child processes that boot the same Nest module
 * (they re-run the entry script, as Node's cluster module does). A child over its
 * time limit is killed and replaced; children are recycled by task count or memory.
 */
export class ProcessPool implements TaskPool {
  readonly kind = 'process';
  private readonly children = new Set<Child>();
  private readonly backlog: Run[] = [];
  private stopping = false;
  private bootFailures = 0;
  private lastBootError = '';
  private readonly respawns = new Set<NodeJS.Timeout>();
  private availableWaiters: Array<() => void> = [];

  constructor(
    private readonly executor: TaskExecutor,
    private readonly registry: TaskRegistry,
    private readonly options: ProcessPoolOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const entry = this.options.entry ?? process.argv[1];
    if (!entry) throw new NestTasksError('The process pool needs an entry script (process.argv[1] is empty)');
    const booted = Array.from({ length: this.options.size }, () => this.spawn());
    try {
      await Promise.all(booted);
    } catch (error) {
      // A pool that cannot boot at start-up fails the worker's start instead of retrying behind it.
      await this.stop();
      throw error;
    }
    this.logger.log(`Process pool of ${this.options.size} children ready`);
  }

  run(message: TaskMessage, run: PoolRun): Promise<PoolResult> {
    return new Promise<PoolResult[]>((resolve) => this.submit({ message, run, resolve })).then((results) => results[0]);
  }

  runBatch(messages: readonly TaskMessage[], run: PoolBatchRun): Promise<PoolResult[]> {
    const batch = { id: run.batchId, messages, deliveries: run.deliveries };
    const single = { delivery: run.deliveries[0] ?? 1, abort: run.abort, worker: run.worker };
    return new Promise((resolve) => this.submit({ message: messages[0], batch, run: single, resolve }));
  }

  private submit(request: Run): void {
    const child = this.idleChild();
    const problem = this.problem;
    if (child) this.dispatch(child, request);
    else if (problem) resolveAll(request, { kind: 'unavailable', reason: problem });
    else this.backlog.push(request);
  }

  /** Null while a child is ready or booting normally; the reason when children keep failing to boot and none is ready. */
  get problem(): string | null {
    if (this.bootFailures === 0) return null;
    for (const child of this.children) if (child.ready) return null;
    return `no pool child is running: ${this.bootFailures} failed to boot in a row (last: ${this.lastBootError})`;
  }

  whenAvailable(): Promise<void> {
    if (this.problem === null || this.stopping) return Promise.resolve();
    return new Promise((resolve) => this.availableWaiters.push(resolve));
  }

  terminate(taskId: string): void {
    for (const child of this.children) {
      // A batch is not killed for one of its messages: the worker settles just that one revoked.
      if (child.busy?.message.id === taskId && !child.busy.batch) this.kill(child, 'terminate');
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.respawns) clearTimeout(timer);
    this.respawns.clear();
    this.notifyAvailable();
    await Promise.all(
      [...this.children].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.process.exitCode !== null || child.process.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
            child.process.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.process.kill('SIGTERM');
          }),
      ),
    );
  }

  /** Pids of the children, for tests and inspection. */
  pids(): number[] {
    return [...this.children].map((child) => child.process.pid ?? -1);
  }

  private spawn(): Promise<void> {
    const entry = this.options.entry ?? process.argv[1];
    const proc = fork(entry, process.argv.slice(2), {
      execArgv: process.execArgv,
      env: { ...process.env, [POOL_CHILD_ENV]: '1' },
    });
    const child: Child = { process: proc, ready: false, retiring: false, tasks: 0 };
    this.children.add(child);
    const bootTimeout = this.options.bootTimeout ?? BOOT_TIMEOUT_MS;
    return new Promise<void>((resolve, reject) => {
      const bootTimer = setTimeout(() => {
        const error = new NestTasksError(`Pool child ${proc.pid} did not boot in ${bootTimeout} ms`);
        child.bootError = error.message;
        reject(error);
        // Stuck: killed, so that it exits and is replaced like a child that failed to boot.
        proc.kill('SIGKILL');
      }, bootTimeout);
      proc.on('message', (message: ChildToParent) => {
        if (message.type === 'ready') {
          clearTimeout(bootTimer);
          child.ready = true;
          this.bootFailures = 0;
          resolve();
          this.notifyAvailable();
          this.pump(child);
        } else if (message.type === 'done' || message.type === 'batch-done') {
          this.done(child, message);
        }
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(bootTimer);
        if (!child.ready) reject(new NestTasksError(`Pool child ${proc.pid} exited while booting (code ${code}, signal ${signal})`));
        this.exited(child, code, signal);
      });
      proc.on('error', (error) => this.logger.error(`Pool child ${proc.pid}: ${error.message}`));
    });
  }

  private idleChild(): Child | undefined {
    for (const child of this.children) if (child.ready && !child.busy && !child.retiring) return child;
    return undefined;
  }

  private dispatch(child: Child, request: Run): void {
    if (request.run.abort.aborted || (!request.batch && this.options.isRevoked?.(request.message.id))) {
      // Revoked, terminated (or shut down) while it waited for a child: it never starts.
      resolveAll(request, { kind: 'revoked', reason: request.run.abort.aborted ? 'terminated before it started' : 'revoked' });
      this.pump(child);
      return;
    }
    const limit = this.registry.get(request.message.task)?.options.timeLimit;
    child.busy = { ...request, startedAt: Date.now(), removeStop: () => undefined };
    if (limit) child.busy.timer = setTimeout(() => this.kill(child, 'time-limit'), limit + KILL_GRACE_MS);
    child.busy.removeStop = request.run.abort.onStop((reason) => {
      if (reason instanceof TaskTerminatedError) this.kill(child, 'terminate');
    });
    const { batch, run } = request;
    const message: ParentToChild = batch
      ? { type: 'run-batch', batchId: batch.id, messages: [...batch.messages], deliveries: [...batch.deliveries], worker: run.worker }
      : { type: 'run', message: request.message, delivery: run.delivery, worker: run.worker };
    child.process.send(message);
  }

  private done(child: Child, message: Extract<ChildToParent, { type: 'done' | 'batch-done' }>): void {
    const busy = child.busy;
    const outcomes = message.type === 'done' ? [message.outcome] : message.outcomes;
    if (!busy || (message.type === 'done' ? busy.batch || busy.message.id !== message.taskId : busy.batch?.id !== message.batchId)) return;
    this.release(child);
    child.tasks++;
    busy.resolve(outcomes);
    const overTime = outcomes.some((outcome) => outcome.kind !== 'success' && 'error' in outcome && outcome.error.name === TimeLimitExceeded.name);
    const { maxTasksPerChild, maxMemoryPerChild } = this.options;
    if (overTime || (maxTasksPerChild && child.tasks >= maxTasksPerChild) || (maxMemoryPerChild && message.rss > maxMemoryPerChild)) {
      this.retire(child);
    } else {
      this.pump(child);
    }
  }

  private exited(child: Child, code: number | null, signal: NodeJS.Signals | null): void {
    this.children.delete(child);
    const busy = child.busy;
    if (busy) {
      this.release(child);
      if (busy.killedFor === 'terminate') resolveAll(busy, { kind: 'revoked', reason: 'terminated' });
      else if (busy.killedFor === 'time-limit') {
        const limit = this.registry.get(busy.message.task)?.options.timeLimit ?? 0;
        busy.resolve(messagesOf(busy).map((message) => this.executor.outcomeForError(message, new TimeLimitExceeded(limit), busy.startedAt)));
      } else resolveAll(busy, { kind: 'lost', reason: `its pool child ${child.process.pid} died (code ${code}, signal ${signal})` });
    }
    if (this.stopping) return;
    if (child.ready) {
      if (!child.retiring && !busy) this.logger.warn(`Pool child ${child.process.pid} exited (code ${code}, signal ${signal}); replacing it`);
      this.spawn().catch((error: Error) => this.logger.error(error.message));
      return;
    }
    this.bootFailures++;
    this.lastBootError = child.bootError ?? `exited while booting (code ${code}, signal ${signal})`;
    const delay = Math.min(MAX_RESPAWN_BACKOFF_MS, RESPAWN_BACKOFF_MS * 2 ** (this.bootFailures - 1));
    this.logger.error(`Pool child ${child.process.pid} failed to boot (${this.lastBootError}); trying a new one in ${delay} ms`);
    // With no child that can run them, what waits goes back to the queue for a healthy worker.
    const problem = this.problem;
    if (problem) for (const request of this.backlog.splice(0)) resolveAll(request, { kind: 'unavailable', reason: problem });
    const timer = setTimeout(() => {
      this.respawns.delete(timer);
      if (!this.stopping) this.spawn().catch(() => undefined);
    }, delay);
    this.respawns.add(timer);
  }

  private notifyAvailable(): void {
    const waiters = this.availableWaiters;
    this.availableWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private release(child: Child): void {
    const busy = child.busy;
    if (!busy) return;
    if (busy.timer) clearTimeout(busy.timer);
    busy.removeStop();
    child.busy = undefined;
  }

  private kill(child: Child, reason: 'time-limit' | 'terminate'): void {
    if (child.busy) child.busy.killedFor = reason;
    child.retiring = true;
    child.process.kill('SIGKILL');
  }

  private retire(child: Child): void {
    child.retiring = true;
    const message: ParentToChild = { type: 'exit' };
    child.process.send(message);
    this.pumpAny();
  }

  private pump(child: Child): void {
    const next = !child.busy && !child.retiring ? this.backlog.shift() : undefined;
    if (next) this.dispatch(child, next);
  }

  private pumpAny(): void {
    const child = this.idleChild();
    if (child) this.pump(child);
  }
}

/** The messages a request runs: one, or those of its batch. */
function messagesOf(request: Run): readonly TaskMessage[] {
  return request.batch?.messages ?? [request.message];
}

/** Ends every message of a request with the same result. */
function resolveAll(request: Run, result: PoolResult): void {
  request.resolve(messagesOf(request).map(() => result));
}
