import type { Broker } from '../broker/ports/broker';
import type { TaskClient } from '../client/task-client';
import type { TaskClass } from '../client/task-types';
import type { TaskOptions } from '../config/task-options.interface';
import { getTaskMetadata } from '../decorators/task.decorator';
import { TaskArgumentError, TaskConfigError, TaskNotDecoratedError } from '../errors';
import type { TaskConfig } from '../config/task-config';
import type { TaskRegistry } from '../registry/task-registry';
import { findJsonProblem } from '../serialization/json-safety';
import { Chain } from './chain';
import { Chord } from './chord';
import { assertWorkflows } from './freeze';
import { Group } from './group';
import { Signature } from './signature';
import type { SignatureOptions } from './signature-options';
import { WorkflowEngine } from './workflow-engine';
import type { StepTaskOptions } from '../serialization/workflow-spec';

/**
 * Makes signatures and workflows for a TaskClient (its `signature`, `chain`,
 * `group` and `chord` delegate here). Mistakes are caught here, the earliest
 * point: an undecorated method, arguments that are not JSON, bad options.
 */
export class CanvasFactory {
  private readonly engine: WorkflowEngine;

  constructor(
    client: TaskClient,
    private readonly config: TaskConfig,
    private readonly registry: TaskRegistry,
    broker: Broker,
  ) {
    this.engine = new WorkflowEngine(client, config, broker);
  }

  /** `(Class, 'method', ...args)` or `('name', args?, options?)`. */
  signature(target: TaskClass | string, rest: unknown[]): Signature {
    if (typeof target === 'string') {
      if (target === '') throw new TaskConfigError('name', target, 'a task name');
      const [args = [], options = {}] = rest as [unknown[]?, SignatureOptions?];
      const taskOptions = this.registry.get(target)?.options ?? this.config.defaults;
      return this.make(target, taskOptions, args).set(options);
    }
    const [method, ...args] = rest;
    const className = typeof target === 'function' ? target.name : String(target);
    const metadata = typeof target === 'function' ? getTaskMetadata((target.prototype as Record<string, unknown>)?.[String(method)]) : undefined;
    if (!metadata) throw new TaskNotDecoratedError(className, String(method));
    const taskOptions = this.registry.get(metadata.name)?.options ?? { ...this.config.defaults, ...metadata.options };
    return this.make(metadata.name, taskOptions, args);
  }

  chain(steps: unknown[]): Chain {
    return new Chain(this.engine, assertWorkflows('chain', steps, 1));
  }

  group(members: unknown): Group {
    if (!Array.isArray(members)) throw new TaskConfigError('group', members, 'a list of signatures');
    return new Group(this.engine, assertWorkflows('group', members));
  }

  chord(header: unknown, callback: unknown): Chord {
    const members = header instanceof Group ? header.members : header;
    if (!Array.isArray(members)) throw new TaskConfigError('chord header', header, 'a list of signatures, or a group');
    if (Array.isArray(callback)) throw new TaskConfigError('chord callback', callback, 'one signature, chain, group or chord');
    const [body] = assertWorkflows('chord callback', callback, 1);
    return new Chord(this.engine, assertWorkflows('chord header', members), body);
  }

  private make(name: string, options: TaskOptions, args: unknown): Signature {
    if (!Array.isArray(args)) throw new TaskArgumentError(name, 0, '$', 'arguments must be an array');
    for (let i = 0; i < args.length; i++) {
      const problem = findJsonProblem(args[i], `args[${i}]`);
      if (problem) throw new TaskArgumentError(name, i, problem.path, problem.reason);
    }
    let end = args.length;
    while (end > 0 && args[end - 1] === undefined) end--;
    return new Signature(this.engine, name, args.slice(0, end), captureTaskOptions(options));
  }
}

/** The task options a step needs where it is sent, which may be a worker that does not know the task. */
function captureTaskOptions(options: TaskOptions): StepTaskOptions {
  const captured: StepTaskOptions = {};
  if (options.queue !== undefined) captured.queue = options.queue;
  if (options.priority !== undefined) captured.priority = options.priority;
  if (options.ignoreResult !== undefined) captured.ignoreResult = options.ignoreResult;
  if (options.resultExpires !== undefined) captured.resultExpires = options.resultExpires;
  return captured;
}
