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
import { TaskTelemetry, type ProcessTrace } from '../telemetry/task-telemetry';
import { isThenable } from '../utils/is-thenable';
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

  /**
   * Runs one message (in its `process` span, when telemetry is on). The outcome of a task
   * that returns no promise comes back at once, without a promise: most tasks of a busy
   * worker make none, and each one made is a cost on the hot path.
   */
  execute(message: TaskMessage, run: ExecutionRun): ExecutionOutcome | Promise<ExecutionOutcome> {
    const trace = this.telemetry.process(message, run.worker);
    if (!trace) return this.executeRun(message, run);
    return this.executeTraced(trace, message, run);
  }

  private async executeTraced(trace: ProcessTrace, message: TaskMessage, run: ExecutionRun): Promise<ExecutionOutcome> {
    const outcome = await trace.run(() => this.executeRun(message, run));
    const traceparent = trace.end({ kind: outcome.kind, errorType: outcome.kind === 'failure' || outcome.kind === 'retry' ? outcome.error.name : undefined });
    if (traceparent !== undefined) {
      outcome.traceparent = traceparent;
      if (outcome.kind === 'retry') outcome.message.retriedFrom = traceparent;
    }
    return outcome;
  }

  private executeRun(message: TaskMessage, run: ExecutionRun): ExecutionOutcome | Promise<ExecutionOutcome> {
    if (message.expires !== undefined && Date.now() > message.expires) {
      return { kind: 'revoked', reason: `expired at ${new Date(message.expires).toISOString()} before it started` };
    }
    if (this.hooks.hasBeforeRunHooks) {
      const answer = this.hooks.runBeforeRun(message);
      if (answer instanceof Promise) return answer.then((reason) => (reason ? { kind: 'revoked', reason } : this.runHandler(message, run)));
      if (answer) return { kind: 'revoked', reason: answer };
    }
    return this.runHandler(message, run);
  }

  private runHandler(message: TaskMessage, run: ExecutionRun): ExecutionOutcome | Promise<ExecutionOutcome> {
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
    const ended: RunEnded = { message, startedAt, maxRetries, options, timers: armTimeLimits(options, abort) };

    let returned: unknown;
    try {
      returned = taskContextStorage.run(context, () => definition.handler(...message.args));
    } catch (thrown) {
      clearTimers(ended.timers);
      return this.outcomeOfThrow(ended, thrown);
    }
    if (isThenable(returned)) return this.outcomeLater(ended, returned, abort);
    clearTimers(ended.timers);
    return this.outcomeOfValue(ended, returned);
  }

  /**
   * An async task is waited for until it settles, or until the run is stopped (time limit,
   * terminate, shutdown): the slot is freed even if the task ignores its signal.
   */
  private async outcomeLater(ended: RunEnded, returned: PromiseLike<unknown>, abort: RunAbort): Promise<ExecutionOutcome> {
    let removeStop: (() => void) | undefined;
    let value: unknown;
    try {
      value = await new Promise<unknown>((resolve, reject) => {
        removeStop = abort.onStop(reject);
        returned.then(resolve, reject);
      });
    } catch (thrown) {
      return this.outcomeOfThrow(ended, thrown);
    } finally {
      clearTimers(ended.timers);
      removeStop?.();
    }
    return this.outcomeOfValue(ended, value);
  }

  /** Success with the value as JSON, or failure when it is not JSON-safe or too large. */
  private outcomeOfValue({ message, startedAt, maxRetries, options }: RunEnded, value: unknown): ExecutionOutcome {
    try {
      const problem = findJsonProblem(value);
      if (problem) {
        const error = new TaskResultError(message.task, problem.path, problem.reason);
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
      }
      const { json, bytes, text } = toJson(value, this.config.maxResultBytes);
      if (bytes > this.config.maxResultBytes) {
        const error = new ResultTooLargeError(message.task, bytes, this.config.maxResultBytes);
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
      }
      return { kind: 'success', value: json, text, startedAt, finishedAt: Date.now() };
    } catch (thrown) {
      // A toJSON() that throws, say: as if the task had thrown it.
      return this.afterError(message, thrown, maxRetries, startedAt, options);
    }
  }

  private outcomeOfThrow({ message, startedAt, maxRetries, options }: RunEnded, thrown: unknown): ExecutionOutcome {
    if (thrown instanceof TaskTerminatedError) return { kind: 'revoked', reason: thrown.message };
    return this.afterError(message, thrown, maxRetries, startedAt, options);
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

/** What the end of a run needs to make its outcome. */
interface RunEnded {
  message: TaskMessage;
  startedAt: number;
  maxRetries: number;
  options: Parameters<typeof retryDelay>[0];
  timers: NodeJS.Timeout[];
}

function clearTimers(timers: readonly NodeJS.Timeout[]): void {
  for (const timer of timers) clearTimeout(timer);
}

function nextAttempt(message: TaskMessage): TaskMessage {
  return { ...message, retries: message.retries + 1, eta: undefined };
}
