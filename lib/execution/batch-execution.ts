import { taskContextStorage, type TaskContext } from '../context/task-context';
import { RunContext } from './run-context';
import {
  BatchResultError,
  ResultTooLargeError,
  TaskResultError,
  TaskTerminatedError,
  UnexpectedKwargsError,
  UnknownTaskError,
  describeValue,
} from '../errors';
import type { TaskEventBus } from '../events/task-event-bus';
import { BatchItemFailure } from '../flow/batch/batch-item-failure';
import type { TaskRegistry } from '../registry/task-registry';
import { serializeError } from '../serialization/error-serializer';
import { findJsonProblem } from '../serialization/json-safety';
import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';
import { RunAbort } from './run-abort';
import type { TaskHooks } from './task-hooks';
import { toJson } from './to-json';
import { armTimeLimits } from './time-limits';
import { isThenable } from '../utils/is-thenable';

/** One run of a batch method over several messages of its task. */
export interface BatchRun {
  /** The run's id: `currentTask().batch.id`, and the `batch` of its started events. */
  batchId: string;
  /** Delivery number of each message, in order. */
  deliveries: readonly number[];
  /** Stopping it aborts the batch's signal and stops waiting for it (time limit, shutdown). */
  abort?: RunAbort;
  worker?: string;
}

/** What a batch run needs from the executor. */
export interface BatchExecutionDeps {
  readonly registry: TaskRegistry;
  readonly hooks: TaskHooks;
  readonly events: TaskEventBus;
  readonly maxResultBytes: number;
  /** Retry or failure of one message after `error`, by its own retry policy. */
  outcomeForError(message: TaskMessage, error: unknown, startedAt: number): ExecutionOutcome;
}

/**
 * Runs the messages of one batch through one call of the batch method and returns
 * one outcome per message, in order. Messages expired or refused by a before-run hook
 * are left out of the call (revoked); a throw or the time limit ends every message of
 * the call by its own retry policy; a `BatchItemFailure` ends just its own.
 */
export async function executeBatch(deps: BatchExecutionDeps, messages: readonly TaskMessage[], run: BatchRun): Promise<ExecutionOutcome[]> {
  const outcomes: ExecutionOutcome[] = new Array(messages.length);
  const runnable: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    const refused = await refusal(deps, messages[i]);
    if (refused) outcomes[i] = { kind: 'revoked', reason: refused };
    else runnable.push(i);
  }
  if (runnable.length === 0) return outcomes;
  const startedAt = Date.now();
  const definition = deps.registry.get(messages[runnable[0]].task);
  const running: number[] = [];
  for (const i of runnable) {
    const message = messages[i];
    if (deps.events.active) {
      deps.events.emit({ type: 'started', at: startedAt, taskId: message.id, task: message.task, queue: message.queue, worker: run.worker, retries: message.retries, batch: run.batchId });
    }
    const kwargs = Object.keys(message.kwargs ?? {});
    if (!definition) outcomes[i] = failure(new UnknownTaskError(message.task), message, startedAt);
    else if (kwargs.length > 0) outcomes[i] = failure(new UnexpectedKwargsError(message.task, kwargs), message, startedAt);
    else running.push(i);
  }
  if (!definition || running.length === 0) return outcomes;

  const options = definition.options;
  const abort = run.abort ?? new RunAbort();
  const context = batchContext(messages, running, run, abort);
  const timers = armTimeLimits(options, abort);
  let removeStop: (() => void) | undefined;
  try {
    const returned = taskContextStorage.run(context, () => definition.handler(context.args));
    const value = isThenable(returned)
      ? await new Promise<unknown>((resolve, reject) => {
          removeStop = abort.onStop(reject);
          returned.then(resolve, reject);
        })
      : returned;
    if (!Array.isArray(value) || value.length !== running.length) {
      const got = Array.isArray(value) ? `an array of ${value.length}` : describeValue(value);
      const error = new BatchResultError(definition.name, running.length, got);
      for (const i of running) outcomes[i] = failure(error, messages[i], startedAt);
      return outcomes;
    }
    running.forEach((i, at) => (outcomes[i] = itemOutcome(deps, messages[i], value[at], startedAt)));
  } catch (thrown) {
    for (const i of running) {
      outcomes[i] = thrown instanceof TaskTerminatedError ? { kind: 'revoked', reason: thrown.message } : deps.outcomeForError(messages[i], thrown, startedAt);
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    removeStop?.();
  }
  return outcomes;
}

/** Why a message does not join the run (expired, or a before-run hook said so), or null. */
async function refusal(deps: BatchExecutionDeps, message: TaskMessage): Promise<string | null> {
  if (message.expires !== undefined && Date.now() > message.expires) return `expired at ${new Date(message.expires).toISOString()} before it started`;
  if (!deps.hooks.hasBeforeRunHooks) return null;
  return (await deps.hooks.runBeforeRun(message)) || null;
}

/** `currentTask()` in a batch: the batch's id and argument lists, and its messages in `batch.items`. */
function batchContext(messages: readonly TaskMessage[], running: readonly number[], run: BatchRun, abort: RunAbort): TaskContext {
  const items = running.map((i) => ({ id: messages[i].id, retries: messages[i].retries, deliveries: run.deliveries[i] ?? 1 }));
  const first = messages[running[0]];
  const retries = Math.max(...items.map((item) => item.retries));
  const deliveries = Math.max(...items.map((item) => item.deliveries));
  const args = running.map((i) => messages[i].args);
  return new RunContext(run.batchId, first.task, args, {}, first.queue, retries, deliveries, abort, { id: run.batchId, items });
}

/** The outcome of one message from its element of the returned list. */
function itemOutcome(deps: BatchExecutionDeps, message: TaskMessage, value: unknown, startedAt: number): ExecutionOutcome {
  if (value instanceof BatchItemFailure) return deps.outcomeForError(message, value.error, startedAt);
  const problem = findJsonProblem(value);
  if (problem) return failure(new TaskResultError(message.task, problem.path, problem.reason), message, startedAt);
  const { json, bytes, text } = toJson(value, deps.maxResultBytes);
  if (bytes > deps.maxResultBytes) return failure(new ResultTooLargeError(message.task, bytes, deps.maxResultBytes), message, startedAt);
  return { kind: 'success', value: json, text, startedAt, finishedAt: Date.now() };
}

function failure(error: Error, message: TaskMessage, startedAt: number): ExecutionOutcome {
  return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
}

