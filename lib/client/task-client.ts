import { Inject, Injectable } from '@nestjs/common';
import type { Broker } from '../broker/broker.interface';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import type { TaskOptions } from '../decorators/task-options.interface';
import { getTaskMetadata } from '../decorators/task.decorator';
import { TaskConfigError, TaskNotDecoratedError } from '../errors';
import { TaskEventBus } from '../events/task-event-bus';
import type { TaskConfig } from '../module/task-config';
import { TaskRegistry } from '../registry/task-registry';
import { AsyncResult } from '../results/async-result';
import { RouteMatcher } from '../routing/route-matcher';
import { TaskExecutor } from '../worker/task-executor';
import type { ApplyOptions } from './apply-options';
import { EagerRunner } from './eager-runner';
import { MessageBuilder, type BuiltMessage } from './message-builder';
import type { TaskArgs, TaskClass, TaskMethodName, TaskReturn } from './task-types';

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
  send<R = unknown>(name: string, args: unknown[] = [], options: ApplyOptions = {}): Promise<AsyncResult<R>> {
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
    await this.dispatch(built);
    return built.map(({ message }) => this.result<TaskReturn<T, K>>(message.id));
  }

  /** The result of a task enqueued anywhere, by id. */
  result<R = unknown>(id: string): AsyncResult<R> {
    return new AsyncResult<R>(id, this.broker);
  }

  private async enqueue<R>(task: ResolvedTask, args: unknown[], options: ApplyOptions): Promise<AsyncResult<R>> {
    const built = this.builder.build(task.name, task.options, args, options);
    await this.dispatch([built]);
    return this.result<R>(built.message.id);
  }

  /** Publishes built messages (or runs them, in eager mode). Workflows use it too. */
  async dispatch(built: BuiltMessage[]): Promise<void> {
    if (this.events.active) {
      const at = Date.now();
      for (const { message } of built) {
        this.events.emit({ type: 'sent', at, taskId: message.id, task: message.task, queue: message.queue, eta: message.eta });
      }
    }
    if (this.eager) {
      for (const { body } of built) await this.eager.run(body);
      return;
    }
    await this.broker.publish(
      built.map(({ message, body }) => ({ id: message.id, queue: message.queue, body, eta: message.eta, priority: message.priority })),
    );
  }

  private resolve(cls: TaskClass, method: string): ResolvedTask {
    const className = typeof cls === 'function' ? cls.name : String(cls);
    const metadata = typeof cls === 'function' ? getTaskMetadata(cls.prototype?.[method]) : undefined;
    if (!metadata) throw new TaskNotDecoratedError(className, String(method));
    const registered = this.registry.get(metadata.name);
    return { name: metadata.name, options: registered?.options ?? { ...this.config.defaults, ...metadata.options } };
  }
}
