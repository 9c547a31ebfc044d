import { Inject, Injectable } from '@nestjs/common';
import type { TaskConfig } from '../config/task-config';
import { TASK_CONFIG } from '../constants';
import { taskContextStorage } from '../context/task-context';
import { RunContext } from './run-context';
import {
  MaxRetriesExceededError,
  TaskConfigError,
  ResultTooLargeError,
  TaskResultError,
  TaskRetryRequest,
  TaskTerminatedError,
  UnknownTaskError,
  UnexpectedKwargsError,
} from '../errors';
import { TaskRegistry } from '../registry/task-registry';
import { serializeError } from '../serialization/error-serializer';
import { findJsonProblem } from '../serialization/json-safety';
import type { TaskMessage } from '../serialization/task-message';
import { TaskEventBus } from '../events/task-event-bus';
import { TaskTelemetry } from '../telemetry/task-telemetry';
import type { ExecutionOutcome } from './execution-outcome';
import { isAutoRetryable, retryDelay } from './retry-policy';
import { RunAbort } from './run-abort';
import { TaskHooks } from './task-hooks';
import { toJson } from './to-json';
import { executeBatch, type BatchRun } from './batch-execution';
import { armTimeLimits } from './time-limits';

export interface ExecutionRun {
  /** Delivery number of the message (1 unless a worker was lost). */
  delivery: number;
  /** Stopping it aborts the task's signal and stops waiting for it (revoke with terminate, shutdown). */
  abort?: RunAbort;
  /** Who runs it, for events. */
  worker?: string;
}

/**
 * Runs one task message: finds the handler, runs it in its context with its time
 * limits, and decides success, retry or failure. Used by workers and by eager mode.
 */
@Injectable()
export class TaskExecutor {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly hooks: TaskHooks,
    private readonly events: TaskEventBus,
    @Inject(TASK_CONFIG) private readonly config: Pick<TaskConfig, 'maxResultBytes'>,
    private readonly telemetry: TaskTelemetry,
  ) {}

  /**
   * Runs the outcome hooks (workflow steps and the like); a throw means: do not acknowledge.
   * They run in the trace of the run (or of the message), so what they send joins it.
   */
  complete(message: TaskMessage, outcome: ExecutionOutcome): Promise<void> | void {
    if (!this.hooks.hasOutcomeHooks) return;
    const traceparent = outcome.traceparent ?? message.traceparent;
    if (traceparent === undefined) return this.hooks.runOutcome(message, outcome);
    return this.telemetry.within(traceparent, () => this.hooks.runOutcome(message, outcome));
  }

  /** Runs one message (in its `process` span, when telemetry is on). */
  async execute(message: TaskMessage, run: ExecutionRun): Promise<ExecutionOutcome> {
    const trace = this.telemetry.process(message, run.worker);
    if (!trace) return this.executeRun(message, run);
    const outcome = await trace.run(() => this.executeRun(message, run));
    const traceparent = trace.end({ kind: outcome.kind, errorType: outcome.kind === 'failure' || outcome.kind === 'retry' ? outcome.error.name : undefined });
    if (traceparent !== undefined) {
      outcome.traceparent = traceparent;
      if (outcome.kind === 'retry') outcome.message.retriedFrom = traceparent;
    }
    return outcome;
  }

  private async executeRun(message: TaskMessage, run: ExecutionRun): Promise<ExecutionOutcome> {
    if (message.expires !== undefined && Date.now() > message.expires) {
      return { kind: 'revoked', reason: `expired at ${new Date(message.expires).toISOString()} before it started` };
    }
    if (this.hooks.hasBeforeRunHooks) {
      const answer = this.hooks.runBeforeRun(message);
      const reason = answer instanceof Promise ? await answer : answer;
      if (reason) return { kind: 'revoked', reason };
    }
    const startedAt = Date.now();
    if (this.events.active) {
      this.events.emit({ type: 'started', at: startedAt, taskId: message.id, task: message.task, queue: message.queue, worker: run.worker, retries: message.retries });
    }
    const definition = this.registry.get(message.task);
    if (!definition) {
      return { kind: 'failure', error: serializeError(new UnknownTaskError(message.task)), finishedAt: startedAt, retries: message.retries };
    }
    const options = definition.options;
    const kwargs = message.kwargs ?? {};
    const kwargNames = Object.keys(kwargs);
    if (kwargNames.length > 0 && options.kwargs !== true) {
      return { kind: 'failure', error: serializeError(new UnexpectedKwargsError(message.task, kwargNames)), finishedAt: startedAt, retries: message.retries };
    }
    const maxRetries = message.maxRetries ?? options.maxRetries ?? 0;
    const abort = run.abort ?? new RunAbort();
    const context = new RunContext(message.id, message.task, message.args, kwargs, message.queue, message.retries, run.delivery, abort);

    const timers = armTimeLimits(options, abort);
    let removeStop: (() => void) | undefined;

    try {
      // An async task is waited for until it settles, or until the run is stopped (time limit,
      // terminate, shutdown): the slot is freed even if the task ignores its signal.
      const returned = taskContextStorage.run(context, () => definition.handler(...message.args));
      const value = isThenable(returned)
        ? await new Promise<unknown>((resolve, reject) => {
            removeStop = abort.onStop(reject);
            returned.then(resolve, reject);
          })
        : returned;
      const problem = findJsonProblem(value);
      if (problem) {
        const error = new TaskResultError(message.task, problem.path, problem.reason);
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
      }
      const { json, bytes } = toJson(value, this.config.maxResultBytes);
      if (bytes > this.config.maxResultBytes) {
        const error = new ResultTooLargeError(message.task, bytes, this.config.maxResultBytes);
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
      }
      return { kind: 'success', value: json, startedAt, finishedAt: Date.now() };
    } catch (thrown) {
      if (thrown instanceof TaskTerminatedError) return { kind: 'revoked', reason: thrown.message };
      return this.afterError(message, thrown, maxRetries, startedAt, options);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      removeStop?.();
    }
  }

  /** True for a batch task (`@Task({ batch })`). */
  isBatch(task: string): boolean {
    return this.registry.get(task)?.options.batch !== undefined;
  }

  /** Runs the messages of one batch through one call of their batch method: one outcome per message, in order. */
  executeBatch(messages: readonly TaskMessage[], run: BatchRun): Promise<ExecutionOutcome[]> {
    const deps = { registry: this.registry, hooks: this.hooks, events: this.events, maxResultBytes: this.config.maxResultBytes, outcomeForError: this.outcomeForError.bind(this) };
    return executeBatch(deps, messages, run);
  }

  /** The outcome of an error that ended a run outside the task (a killed pool child): retry or failure. */
  outcomeForError(message: TaskMessage, error: unknown, startedAt: number): ExecutionOutcome {
    const options = this.registry.get(message.task)?.options ?? {};
    return this.afterError(message, error, message.maxRetries ?? options.maxRetries ?? 0, startedAt, options);
  }

  private afterError(
    message: TaskMessage,
    thrown: unknown,
    maxRetries: number,
    startedAt: number,
    options: Parameters<typeof retryDelay>[0],
  ): ExecutionOutcome {
    const finishedAt = Date.now();
    if (thrown instanceof TaskRetryRequest) {
      const limit = thrown.maxRetries ?? maxRetries;
      if (message.retries >= limit) {
        const error = new MaxRetriesExceededError(message.task, limit, thrown.retryCause);
        if (thrown.retryCause instanceof Error) error.stack = `${error.stack}\nCaused by: ${thrown.retryCause.stack}`;
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt, retries: message.retries };
      }
      const eta = thrown.eta ?? finishedAt + (thrown.countdown ?? retryDelay(options, message.retries));
      const cause = thrown.retryCause ?? new Error('retry requested');
      return { kind: 'retry', error: serializeError(cause), eta, startedAt, message: nextAttempt(message) };
    }
    if (thrown instanceof TaskConfigError || message.retries >= maxRetries || !isAutoRetryable(thrown, options)) {
      return { kind: 'failure', error: serializeError(thrown), startedAt, finishedAt, retries: message.retries };
    }
    const eta = finishedAt + retryDelay(options, message.retries);
    return { kind: 'retry', error: serializeError(thrown), eta, startedAt, message: nextAttempt(message) };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function nextAttempt(message: TaskMessage): TaskMessage {
  return { ...message, retries: message.retries + 1, eta: undefined };
}
