import type { TaskOptions } from '../config/task-options.interface';
import type { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TaskArgumentError, TaskConfigError } from '../errors';
import { refuseDebounce } from '../flow/debounce/refuse-debounce';
import { findArgumentProblem } from '../serialization/json-safety';
import type { StepTaskOptions } from '../serialization/workflow-spec';
import { Chain } from './chain';
import { Chord } from './chord';
import { assertWorkflows } from './freeze';
import { Group } from './group';
import { Signature } from './signature';
import type { SignatureOptions } from './signature-options';
import type { WorkflowEngine } from './workflow-engine';

/**
 * Makes signatures and workflows for a TaskClient (its `signature`, `chain`,
 * `group` and `chord` delegate here). Mistakes are caught here, the earliest
 * point: an undecorated method, arguments that are not JSON, bad options.
 */
export class CanvasFactory {
  constructor(
    private readonly dispatcher: TaskDispatcher,
    private readonly engine: WorkflowEngine,
  ) {}

  /** `(Class, 'method', ...args)` or `('name', args?, options?)`. */
  signature(target: unknown, rest: unknown[]): Signature {
    if (typeof target === 'string') {
      const [args = [], options = {}] = rest as [unknown[]?, SignatureOptions?];
      const task = this.dispatcher.resolveName(target);
      return this.make(task.name, task.options, args).set(options);
    }
    const [method, ...args] = rest;
    const task = this.dispatcher.resolve(target, String(method));
    return this.make(task.name, task.options, args);
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
    refuseDebounce('signature', { name, options }, undefined, 'a workflow step has a fixed id and runs once');
    if (!Array.isArray(args)) throw new TaskArgumentError(name, 0, '$', 'arguments must be an array');
    const problem = findArgumentProblem(args);
    if (problem) throw new TaskArgumentError(name, problem.index, problem.path, problem.reason);
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
