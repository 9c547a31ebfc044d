import { Inject, Injectable } from '@nestjs/common';
import type { Broker, DebounceWindow, PublishRequest } from '../broker/ports/broker';
import { resolveTaskOptions } from '../config/resolve-task-options';
import type { TaskConfig } from '../config/task-config';
import type { TaskOptions } from '../config/task-options.interface';
import { TASK_BROKER, TASK_CONFIG, TASK_RECORDING } from '../constants';
import { getTaskMetadata } from '../decorators/task.decorator';
import { TaskConfigError, TaskNotDecoratedError } from '../errors';
import { TaskEventBus } from '../events/task-event-bus';
import { OutcomeSettler } from '../execution/outcome-settler';
import { TaskExecutor } from '../execution/task-executor';
import { TaskRegistry } from '../registry/task-registry';
import { AsyncResult } from '../results/async-result';
import { QueueShards } from '../routing/queue-shards';
import { RouteMatcher } from '../routing/route-matcher';
import { admissionKey, type TaskMessage } from '../serialization/task-message';
import { TaskState } from '../serialization/task-state';
import { TaskTelemetry } from '../telemetry/task-telemetry';
import { parseRate } from '../utils/rate-limit';
import { BrokerPlacement } from './broker-placement';
import { EagerRunner } from './eager-runner';
import { MessageBuilder, type BuiltMessage, type WorkflowFields } from './message-builder';
import type { RecordingSink } from './recording-sink';
import type { SendOptions } from './send-options';

/** A task known by name, with its options resolved. */
export interface ResolvedTask {
  name: string;
  options: TaskOptions;
}

/**
 * The one way a message leaves: resolve the task's options, build the message
 * (validate, route, encode, size), publish it (unique tasks through their lock)
 * or run it inline in eager mode, or keep it in recording mode, and emit `sent`. TaskClient, workflows, the
 * scheduler, the admin and worker retries all send through here.
 */
@Injectable()
export class TaskDispatcher {
  private readonly builder: MessageBuilder;
  private readonly eager?: EagerRunner;
  private readonly shards: QueueShards;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly registry: TaskRegistry,
    executor: TaskExecutor,
    private readonly events: TaskEventBus,
    @Inject(TASK_RECORDING) private readonly recording: RecordingSink,
    private readonly telemetry: TaskTelemetry,
  ) {
    this.shards = new QueueShards(config.queues);
    const placement = new BrokerPlacement(this.shards, broker);
    this.builder = new MessageBuilder(config, new RouteMatcher(config.routes), placement, telemetry.enabled ? telemetry : undefined);
    if (config.eager) this.eager = new EagerRunner(executor, new OutcomeSettler(executor, events, config.resultExpires), broker);
  }

  /** The task `Class.method` is, or TaskNotDecoratedError. */
  resolve(cls: unknown, method: string): ResolvedTask {
    const className = typeof cls === 'function' ? cls.name : String(cls);
    const target = typeof cls === 'function' ? (cls.prototype as Record<string, unknown> | undefined)?.[method] : undefined;
    const metadata = typeof target === 'function' ? getTaskMetadata(target) : undefined;
    if (!metadata) throw new TaskNotDecoratedError(className, String(method));
    return { name: metadata.name, options: this.registry.get(metadata.name)?.options ?? resolveTaskOptions(this.config, metadata.options) };
  }

  /** A task by name; one this app does not know gets the module's defaults. */
  resolveName(name: unknown): ResolvedTask {
    if (typeof name !== 'string' || name === '') throw new TaskConfigError('name', name, 'a task name');
    return { name, options: this.registry.get(name)?.options ?? resolveTaskOptions(this.config) };
  }

  build(task: ResolvedTask, args: readonly unknown[], options: SendOptions = {}, workflow?: WorkflowFields): BuiltMessage {
    return this.builder.build(task.name, task.options, args, options, workflow);
  }

  /** Builds and sends one task; its result. A mistake in the call rejects (never throws). */
  send<R = unknown>(task: ResolvedTask, args: readonly unknown[], options: SendOptions = {}, workflow?: WorkflowFields): Promise<AsyncResult<R>> {
    let built: BuiltMessage;
    try {
      built = this.build(task, args, options, workflow);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.dispatch([built]).then((ids) => this.result<R>(ids[0]));
  }

  /**
   * Publishes built messages in one round trip (or runs them, in eager mode). Returns
   * the id each one is known by: a unique task already queued answers with its own id.
   */
  dispatch(built: BuiltMessage[]): Promise<string[]> {
    if (this.config.record || this.eager) return this.dispatchAside(built);
    // Promises chained, not awaited: each async layer costs a producer about what building the message does.
    let published: Promise<string[]>;
    try {
      published = this.telemetry.enabled ? this.telemetry.send(built, () => this.publish(built)) : this.publish(built);
    } catch (error) {
      return Promise.reject(error);
    }
    if (!this.events.active) return published;
    return published.then((ids) => {
      this.emitSent(built.filter((b, i) => ids[i] === b.message.id));
      return ids;
    });
  }

  /** Recording mode keeps the messages, eager mode runs them: neither publishes. */
  private async dispatchAside(built: BuiltMessage[]): Promise<string[]> {
    if (this.config.record) {
      // Recording mode: kept for the test to read and drain; unique locks are not taken.
      this.emitSent(built);
      this.recording.keep(built);
      return built.map(({ message }) => message.id);
    }
    if (this.eager) {
      // The producer span ends before the runs, as it would with a worker.
      await this.telemetry.send(built, () => Promise.resolve());
      this.emitSent(built);
      for (const { body, message } of built) await this.eager.run(body, message);
    }
    return built.map(({ message }) => message.id);
  }

  /** Plain messages in one broker publish; unique and debounced ones each their own call, all at once. */
  private publish(built: BuiltMessage[]): Promise<string[]> {
    const ids = built.map((b) => b.message.id);
    const plain: PublishRequest[] = [];
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < built.length; i++) {
      const b = built[i];
      if (b.lock) calls.push(this.publishUnique(b, b.lock).then((id) => (ids[i] = id)));
      else if (b.debounce) calls.push(this.publishDebounced(b, b.debounce).then((id) => (ids[i] = id)));
      else plain.push(this.toRequest(b));
    }
    if (plain.length > 0) calls.push(this.broker.publish(plain));
    return (calls.length === 1 ? calls[0] : Promise.all(calls)).then(() => ids);
  }

  /** A worker's retry of a message it already acknowledged: published again, due at `eta`, and announced. */
  async retry(message: TaskMessage, body: string, eta: number): Promise<void> {
    const shard = this.shards.pick(message.queue, admissionKey(message)?.key);
    await this.broker.publish([{ ...this.toRequest({ message, body, shard }), eta }]);
    this.emitSent([{ message: { ...message, eta } }]);
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
    // Remembered at least until the latest of them is due (a countdown may outlast resultExpires), and then resultExpires.
    const now = Date.now();
    let until = now + this.config.resultExpires;
    for (const eta of (await this.broker.dueTimes(list)).values()) until = Math.max(until, eta + this.config.resultExpires);
    await this.broker.rememberRevoked(list, until);
    // Not started yet: REVOKED now. Each check and write is one step, so a task that ends
    // meanwhile keeps its result; a running one ends REVOKED itself if `terminate` stops it.
    await this.broker.markRevoked(list, until - now);
    await this.broker.broadcast({ type: 'revoke', ids: list, terminate: options.terminate === true, until });
  }

  /** Stores a task's runtime rate limit ('5/s'; null clears it) and tells every worker. */
  async setRateLimit(task: string, rate: string | null): Promise<void> {
    if (rate !== null) parseRate(rate, `setRateLimit(${task}).rate`);
    await this.broker.setRateLimit(task, rate);
    await this.broker.broadcast({ type: 'rate-limit', task, rate });
  }

  /** Publishes a unique task; returns the id holding its key (its own, or the existing task's). */
  private async publishUnique(built: BuiltMessage, lock: { key: string; ttl: number }): Promise<string> {
    // On a sharded queue the lock picked the shard: one key, one shard, one lock.
    const request = this.toRequest(built);
    const holder = await this.broker.publishUnique(request, lock.key, lock.ttl);
    if (holder === built.message.id) return holder;
    // A revoked task keeps its message (and so the key) until a worker drops it; it is not queued any more.
    if ((await this.broker.getResult(holder))?.state !== TaskState.REVOKED) return holder;
    return this.broker.publishUnique(request, lock.key, lock.ttl, holder);
  }

  /** Publishes a debounced call; returns the id that runs (the waiting one it joined, or its own). */
  private async publishDebounced(built: BuiltMessage, window: DebounceWindow): Promise<string> {
    const request = this.toRequest(built);
    const holder = await this.broker.publishDebounced(request, window);
    if (holder === built.message.id) return holder;
    // A revoked run stays in the delayed set until a worker drops it: the call opens a new window.
    if ((await this.broker.getResult(holder))?.state !== TaskState.REVOKED) return holder;
    return this.broker.publishDebounced(request, window, holder);
  }

  private emitSent(built: Array<Pick<BuiltMessage, 'message'>>): void {
    if (!this.events.active) return;
    for (const { message } of built) {
      this.events.emit({ type: 'sent', at: message.sentAt, taskId: message.id, task: message.task, queue: message.queue, eta: message.eta, args: message.args });
    }
  }

  /** The broker's request for a message: to the queue, or the shard of it, picked when it was built. */
  private toRequest({ message, body, shard }: Pick<BuiltMessage, 'message' | 'body' | 'shard'>): PublishRequest {
    const request: PublishRequest = { id: message.id, queue: shard, body, eta: message.eta, priority: message.priority };
    const concurrency = admissionKey(message);
    if (concurrency) request.concurrency = concurrency;
    return request;
  }
}
