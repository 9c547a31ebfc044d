import { Injectable } from '@nestjs/common';
import { CanvasFactory } from '../canvas/canvas-factory';
import type { SignatureArgs } from '../canvas/canvas-types';
import type { Chain } from '../canvas/chain';
import type { Chord } from '../canvas/chord';
import { freezeCallbacks } from '../canvas/freeze';
import type { Group } from '../canvas/group';
import type { Signature } from '../canvas/signature';
import type { SignatureOptions } from '../canvas/signature-options';
import type { ResultOf, ResultsOf, Workflow } from '../canvas/workflow';
import { WorkflowEngine } from '../canvas/workflow-engine';
import type { WorkflowFields } from '../dispatch/message-builder';
import { TaskDispatcher, type ResolvedTask } from '../dispatch/task-dispatcher';
import { TaskControl } from '../monitoring/control/task-control';
import { TaskInspector } from '../monitoring/control/task-inspector';
import type { AsyncResult } from '../results/async-result';
import { refuseDebounce } from '../flow/debounce/refuse-debounce';
import type { ApplyOptions } from './apply-options';
import type { TaskArgs, TaskClass, TaskMethodName, TaskReturn } from './task-types';

/** Enqueues tasks and hands out their results. Inject it anywhere. */
@Injectable()
export class TaskClient {
  private readonly canvas: CanvasFactory;

  constructor(
    private readonly dispatcher: TaskDispatcher,
    workflows: WorkflowEngine,
    private readonly inspector: TaskInspector,
    private readonly controller: TaskControl,
  ) {
    this.canvas = new CanvasFactory(dispatcher, workflows);
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
  applyAsync<T, K extends TaskMethodName<T>>(
    cls: TaskClass<T>,
    method: K,
    args: TaskArgs<T, K>,
    options: ApplyOptions = {},
  ): Promise<AsyncResult<TaskReturn<T, K>>> {
    // Not async (a promise per layer is most of a producer's overhead), yet it never throws: a mistake rejects.
    try {
      return this.enqueue(this.dispatcher.resolve(cls, String(method)), args as unknown[], options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Enqueues a task by name, for producers that do not have its class. */
  send<R = unknown>(name: string, args: unknown[] = [], options: ApplyOptions = {}): Promise<AsyncResult<R>> {
    try {
      return this.enqueue<R>(this.dispatcher.resolveName(name), args, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Enqueues one task per argument list in one round trip (fan-out), e.g.
   * `delayMany(UserTasks, 'processUser', ids.map((id) => [id]))`.
   */
  async delayMany<T, K extends TaskMethodName<T>>(
    cls: TaskClass<T>,
    method: K,
    argsList: ReadonlyArray<TaskArgs<T, K>>,
    options: Omit<ApplyOptions, 'taskId' | 'debounce'> = {},
  ): Promise<Array<AsyncResult<TaskReturn<T, K>>>> {
    const task = this.dispatcher.resolve(cls, String(method));
    refuseDebounce('delayMany', task, (options as ApplyOptions | null)?.debounce, 'each call of a debounced task is one applyAsync()');
    const { send, workflow } = splitApplyOptions(options);
    const built = argsList.map((args) => this.dispatcher.build(task, args as unknown[], send, workflow));
    const ids = await this.dispatcher.dispatch(built);
    return ids.map((id) => this.result<TaskReturn<T, K>>(id));
  }

  /** The result of a task enqueued anywhere, by id. */
  result<R = unknown>(id: string): AsyncResult<R> {
    return this.dispatcher.result<R>(id);
  }

  /**
   * Revokes tasks by id, on every worker: one that has not started never runs (also
   * from the delayed set); with `terminate`, a running one has its signal aborted
   * (on the process pool, its child is killed) and ends REVOKED.
   */
  revoke(ids: string | string[], options: { terminate?: boolean } = {}): Promise<void> {
    return this.dispatcher.revoke(ids, options);
  }

  /** Asks the workers: ping, active, reserved, scheduled, registered, stats, queues (like `celery inspect`). */
  inspect(): TaskInspector {
    return this.inspector;
  }

  /** Tells the workers: shutdown, rate limits, revoke (like `celery control`). */
  control(): TaskControl {
    return this.controller;
  }

  /** Changes a task's rate limit at runtime on every worker ('5/s'); null restores the decorator's. */
  setRateLimit(name: string, rate: string | null): Promise<void> {
    return this.dispatcher.setRateLimit(name, rate);
  }

  private enqueue<R>(task: ResolvedTask, args: unknown[], options: ApplyOptions): Promise<AsyncResult<R>> {
    const { send, workflow } = splitApplyOptions(options);
    return this.dispatcher.send<R>(task, args, send, workflow);
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
}

/** `link` / `linkError` are frozen into the message's workflow fields; the rest are the message's options. */
function splitApplyOptions(options: ApplyOptions): { send: ApplyOptions; workflow?: WorkflowFields } {
  if (options === null || typeof options !== 'object' || (options.link === undefined && options.linkError === undefined)) return { send: options };
  const { link, linkError, ...send } = options;
  const workflow: WorkflowFields = {};
  if (link !== undefined) workflow.link = freezeCallbacks('link', link);
  if (linkError !== undefined) workflow.linkError = freezeCallbacks('linkError', linkError);
  return { send, workflow };
}
