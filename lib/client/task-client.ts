import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Broker } from '../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import type { TaskOptions } from '../config/task-options.interface';
import { getTaskMetadata } from '../decorators/task.decorator';
import { TaskConfigError, TaskNotDecoratedError } from '../errors';
import { TaskEventBus } from '../events/task-event-bus';
import { TaskControl } from '../monitoring/control/task-control';
import { TaskInspector } from '../monitoring/control/task-inspector';
import type { TaskConfig } from '../config/task-config';
import { TaskRegistry } from '../registry/task-registry';
import { AsyncResult } from '../results/async-result';
import { TaskState } from '../serialization/task-state';
import { RouteMatcher } from '../routing/route-matcher';
import { TaskExecutor } from '../execution/task-executor';
import type { ApplyOptions } from './apply-options';
import { EagerRunner } from './eager-runner';
import { updateRateLimit } from './update-rate-limit';
import { MessageBuilder, type BuiltMessage } from './message-builder';
import type { TaskArgs, TaskClass, TaskMethodName, TaskReturn } from './task-types';
import { CanvasFactory } from '../canvas/canvas-factory';
import type { SignatureArgs } from '../canvas/canvas-types';
import type { Chain } from '../canvas/chain';
import type { Chord } from '../canvas/chord';
import type { Group } from '../canvas/group';
import type { Signature } from '../canvas/signature';
import type { SignatureOptions } from '../canvas/signature-options';
import type { ResultOf, ResultsOf, Workflow } from '../canvas/workflow';

/** A task resolved from a class and method, or from a name. */
interface ResolvedTask {
  name: string;
  options: TaskOptions;
}

/** Enqueues tasks and hands out their results. Inject it anywhere. */
@Injectable()
export class TaskClient {
  private readonly builder: MessageBuilder;
  private readonly eager?: EagerRunner;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly registry: TaskRegistry,
    executor: TaskExecutor,
    private readonly events: TaskEventBus,
    private readonly moduleRef: ModuleRef,
  ) {
    this.builder = new MessageBuilder(config, new RouteMatcher(config.routes));
    if (config.eager) this.eager = new EagerRunner(executor, broker, config, events);
  }

  /** Enqueues `Class.method(...args)`; the arguments are checked against the method's parameters. */
  delay<T, K extends TaskMethodName<T>>(
    cls: TaskClass<T>,
    method: K,
    ...args: TaskArgs<T, K>
  ): Promise<AsyncResult<TaskReturn<T, K>>> {
    return this.applyAsync(cls, method, args, {});
  }

  /** `delay` with options: countdown, eta, expires, queue, priority, taskId, ... */
  async applyAsync<T, K extends TaskMethodName<T>>(
    cls: TaskClass<T>,
    method: K,
    args: TaskArgs<T, K>,
    options: ApplyOptions = {},
  ): Promise<AsyncResult<TaskReturn<T, K>>> {
    const task = this.resolve(cls, method);
    return this.enqueue(task, args as unknown[], options);
  }

  /** Enqueues a task by name, for producers that do not have its class. */
  async send<R = unknown>(name: string, args: unknown[] = [], options: ApplyOptions = {}): Promise<AsyncResult<R>> {
    if (typeof name !== 'string' || name === '') throw new TaskConfigError('name', name, 'a task name');
    const options_ = this.registry.get(name)?.options ?? this.config.defaults;
    return this.enqueue<R>({ name, options: options_ }, args, options);
  }

  /**
   * Enqueues one task per argument list in one round trip (fan-out), e.g.
   * `delayMany(UserTasks, 'processUser', ids.map((id) => [id]))`.
   */
  async delayMany<T, K extends TaskMethodName<T>>(
    cls: TaskClass<T>,
    method: K,
    argsList: ReadonlyArray<TaskArgs<T, K>>,
    options: Omit<ApplyOptions, 'taskId'> = {},
  ): Promise<Array<AsyncResult<TaskReturn<T, K>>>> {
    const task = this.resolve(cls, method);
    const built = argsList.map((args) => this.builder.build(task.name, task.options, args as unknown[], options));
    const ids = await this.dispatch(built);
    return ids.map((id) => this.result<TaskReturn<T, K>>(id));
  }

  /** The result of a task enqueued anywhere, by id. */
  result<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.broker, this.revoker);
  }

  private readonly revoker = (id: string, options?: { terminate?: boolean }) => this.revoke(id, options);

  /**
   * Revokes tasks by id, on every worker: one that has not started never runs (also
   * from the delayed set); with `terminate`, a running one has its signal aborted
   * (on the process pool, its child is killed) and ends REVOKED.
   */
  async revoke(ids: string | string[], options: { terminate?: boolean } = {}): Promise<void> {
    const list = Array.isArray(ids) ? ids : [ids];
    await this.broker.rememberRevoked(list, Date.now() + this.config.resultExpires);
    const notStarted = new Set<string>([TaskState.PENDING, TaskState.RECEIVED, TaskState.RETRY]);
    const writes = [];
    for (const id of list) {
      const record = await this.broker.getResult(id);
      if (!record || notStarted.has(record.state)) {
        writes.push({ record: { ...record, id, state: TaskState.REVOKED, reason: 'revoked', finishedAt: Date.now() }, ttl: this.config.resultExpires });
      }
    }
    await this.broker.storeResults(writes);
    await this.broker.broadcast({ type: 'revoke', ids: list, terminate: options.terminate === true });
  }

  /** Asks the workers: ping, active, reserved, scheduled, registered, stats, queues (like `celery inspect`). */
  inspect(): TaskInspector {
    return this.moduleRef.get(TaskInspector, { strict: false });
  }

  /** Tells the workers: shutdown, rate limits, revoke (like `celery control`). */
  control(): TaskControl {
    return this.moduleRef.get(TaskControl, { strict: false });
  }

  /** Changes a task's rate limit at runtime on every worker ('5/s'); null restores the decorator's. */
  setRateLimit(name: string, rate: string | null): Promise<void> {
    return updateRateLimit(this.broker, name, rate);
  }

  private async enqueue<R>(task: ResolvedTask, args: unknown[], options: ApplyOptions): Promise<AsyncResult<R>> {
    const built = this.builder.build(task.name, task.options, args, options);
    const [id] = await this.dispatch([built]);
    return this.result<R>(id);
  }

  /**
   * Publishes built messages in one round trip (or runs them, in eager mode). Returns
   * the id each one is known by: a unique task already queued answers with its own id.
   * Workflows use it too.
   */
  async dispatch(built: BuiltMessage[]): Promise<string[]> {
    if (this.eager) {
      this.emitSent(built);
      for (const { body } of built) await this.eager.run(body);
      return built.map(({ message }) => message.id);
    }
    const plain = built.filter((b) => !b.lock);
    const [ids] = await Promise.all([
      Promise.all(built.map((b) => (b.lock ? this.publishUnique(b, b.lock) : b.message.id))),
      plain.length > 0 ? this.broker.publish(plain.map(toRequest)) : undefined,
    ]);
    this.emitSent(built.filter((b, i) => ids[i] === b.message.id));
    return ids;
  }

  /** Publishes a unique task; returns the id holding its key (its own, or the existing task's). */
  private async publishUnique(built: BuiltMessage, lock: { key: string; ttl: number }): Promise<string> {
    const holder = await this.broker.publishUnique(toRequest(built), lock.key, lock.ttl);
    if (holder === built.message.id) return holder;
    // A revoked task keeps its message (and so the key) until a worker drops it; it is not queued any more.
    if ((await this.broker.getResult(holder))?.state !== TaskState.REVOKED) return holder;
    return this.broker.publishUnique(toRequest(built), lock.key, lock.ttl, holder);
  }

  private emitSent(built: BuiltMessage[]): void {
    if (!this.events.active) return;
    for (const { message } of built) {
      this.events.emit({ type: 'sent', at: message.sentAt, taskId: message.id, task: message.task, queue: message.queue, eta: message.eta, args: message.args });
    }
  }

  private resolve(cls: TaskClass, method: string): ResolvedTask {
    const className = typeof cls === 'function' ? cls.name : String(cls);
    const metadata = typeof cls === 'function' ? getTaskMetadata(cls.prototype?.[method]) : undefined;
    if (!metadata) throw new TaskNotDecoratedError(className, String(method));
    const registered = this.registry.get(metadata.name);
    return { name: metadata.name, options: registered?.options ?? { ...this.config.defaults, ...metadata.options } };
  }

  // ---- workflows: thin delegates to lib/canvas ------------------------------------------------

  /**
   * `Class.method` with its arguments (or the leading ones) fixed, to send later or
   * use in a workflow. A chain step gets its parent's result as first argument, so
   * its fixed arguments may also be the parameters after the first.
   */
  signature<T, K extends TaskMethodName<T>, const P extends SignatureArgs<TaskArgs<T, K>>>(
    cls: TaskClass<T>,
    method: K,
    ...args: P
  ): Signature<TaskReturn<T, K>>;
  /** A signature by task name, untyped. */
  signature<R = unknown>(name: string, args?: unknown[], options?: SignatureOptions): Signature<R>;
  signature(target: TaskClass | string, ...rest: unknown[]): Signature {
    return this.canvas.signature(target, rest);
  }

  /** Steps one after the other, each result prepended to the next step's arguments; `applyAsync()` gives the last step's result. */
  chain<L extends Workflow>(...steps: [...Workflow[], L]): Chain<ResultOf<L>> {
    return this.canvas.chain(steps) as Chain<ResultOf<L>>;
  }

  /** Members in parallel: `group([a, b])` or `group(a, b)`; `applyAsync()` gives a GroupResult. */
  group<const M extends readonly Workflow[]>(members: M): Group<ResultsOf<M>>;
  group<const M extends readonly Workflow[]>(...members: M): Group<ResultsOf<M>>;
  group(...members: unknown[]): Group {
    return this.canvas.group(members.length === 1 && Array.isArray(members[0]) ? members[0] : members);
  }

  /** The header in parallel, then `callback` once with their results in header order. */
  chord<R>(header: readonly Workflow[] | Group, callback: Workflow<R>): Chord<R> {
    return this.canvas.chord(header, callback) as Chord<R>;
  }

  private canvasFactory?: CanvasFactory;

  private get canvas(): CanvasFactory {
    return (this.canvasFactory ??= new CanvasFactory(this, this.config, this.registry, this.broker));
  }
}

function toRequest({ message, body }: BuiltMessage) {
  return { id: message.id, queue: message.queue, body, eta: message.eta, priority: message.priority };
}
