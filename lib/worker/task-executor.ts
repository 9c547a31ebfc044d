import { Injectable } from '@nestjs/common';
import { taskContextStorage, type RetryOptions, type TaskContext } from '../context/task-context';
import {
  MaxRetriesExceededError,
  SoftTimeLimitExceeded,
  TaskConfigError,
  TaskResultError,
  TaskRetryRequest,
  TaskTerminatedError,
  TimeLimitExceeded,
  UnknownTaskError,
} from '../errors';
import { TaskRegistry } from '../registry/task-registry';
import { serializeError } from '../serialization/error-serializer';
import { findJsonProblem } from '../serialization/json-safety';
import type { TaskMessage } from '../serialization/task-message';
import { assertDuration, toTimestamp } from '../utils/validate';
import { TaskEventBus } from '../events/task-event-bus';
import type { ExecutionOutcome } from './execution-outcome';
import { isAutoRetryable, retryDelay } from './retry-policy';
import { TaskHooks } from './task-hooks';

export interface ExecutionRun {
  /** Delivery number of the message (1 unless a worker was lost). */
  delivery: number;
  /** Aborting it aborts the task's signal (revoke with terminate, shutdown). */
  signal?: AbortSignal;
  /** Who runs it, for events. */
  worker?: string;
}

/**
 * Runs one task message: finds the handler, runs it in its context with its time
 * limits, and decides success, retry or failure. Used by workers and by eager mode.
 */
/** The signal of a run nobody can abort (eager mode). */
const NEVER_ABORTED = new AbortController().signal;

@Injectable()
export class TaskExecutor {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly hooks: TaskHooks,
    private readonly events: TaskEventBus,
  ) {}

  /** Runs the outcome hooks (workflow steps and the like); a throw means: do not acknowledge. */
  complete(message: TaskMessage, outcome: ExecutionOutcome): Promise<void> | void {
    if (this.hooks.hasOutcomeHooks) return this.hooks.runOutcome(message, outcome);
  }

  async execute(message: TaskMessage, run: ExecutionRun): Promise<ExecutionOutcome> {
    if (message.expires !== undefined && Date.now() > message.expires) {
      return { kind: 'revoked', reason: `expired at ${new Date(message.expires).toISOString()} before it started` };
    }
    if (this.hooks.hasBeforeRunHooks) {
      const reason = await this.hooks.runBeforeRun(message);
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
    const maxRetries = message.maxRetries ?? options.maxRetries ?? 0;
    // A controller of its own only when a time limit must abort the task's signal;
    // otherwise the task sees the worker's signal (terminate, shutdown) as it is.
    const controller = options.softTimeLimit || options.timeLimit ? new AbortController() : undefined;
    const onExternalAbort = () => controller?.abort(run.signal?.reason);
    if (controller && run.signal) {
      if (run.signal.aborted) onExternalAbort();
      else run.signal.addEventListener('abort', onExternalAbort, { once: true });
    }
    const signal = controller?.signal ?? run.signal ?? NEVER_ABORTED;

    const context: TaskContext = {
      id: message.id,
      name: message.task,
      args: message.args,
      queue: message.queue,
      retries: message.retries,
      deliveries: run.delivery,
      signal,
      retry: (retryOptions: RetryOptions = {}): never => {
        assertDuration('retry().countdown', retryOptions.countdown);
        const eta = toTimestamp('retry().eta', retryOptions.eta);
        throw new TaskRetryRequest(retryOptions.countdown, eta, retryOptions.cause, retryOptions.maxRetries);
      },
    };

    const timers: NodeJS.Timeout[] = [];
    if (options.softTimeLimit) {
      const limit = options.softTimeLimit;
      timers.push(setTimeout(() => controller!.abort(new SoftTimeLimitExceeded(limit)), limit));
    }
    const hardLimit = options.timeLimit
      ? new Promise<never>((_, reject) => {
          const limit = options.timeLimit!;
          timers.push(
            setTimeout(() => {
              const error = new TimeLimitExceeded(limit);
              controller!.abort(error);
              reject(error);
            }, limit),
          );
        })
      : undefined;

    // Revoke with terminate (or shutdown) stops waiting for the task, as the time limit does.
    let onAbort: (() => void) | undefined;
    const stopped = run.signal
      ? new Promise<never>((_, reject) => {
          onAbort = () => reject(run.signal!.reason);
          if (run.signal!.aborted) onAbort();
          else run.signal!.addEventListener('abort', onAbort, { once: true });
        })
      : undefined;

    try {
      const running = Promise.resolve(taskContextStorage.run(context, () => definition.handler(...message.args)));
      const contenders: Array<Promise<unknown>> = [running];
      if (hardLimit) contenders.push(hardLimit);
      if (stopped) contenders.push(stopped);
      const value = contenders.length > 1 ? await Promise.race(contenders) : await running;
      const problem = findJsonProblem(value);
      if (problem) {
        const error = new TaskResultError(message.task, problem.path, problem.reason);
        return { kind: 'failure', error: serializeError(error), startedAt, finishedAt: Date.now(), retries: message.retries };
      }
      return { kind: 'success', value: value === undefined ? null : JSON.parse(JSON.stringify(value)), startedAt, finishedAt: Date.now() };
    } catch (thrown) {
      if (thrown instanceof TaskTerminatedError) return { kind: 'revoked', reason: thrown.message };
      return this.afterError(message, thrown, maxRetries, startedAt, options);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      if (controller) run.signal?.removeEventListener('abort', onExternalAbort);
      if (onAbort) run.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The outcome of an error that ended a run outside the task (a killed pool child): retry or failure. */
  outcomeForError(message: TaskMessage, error: Error, startedAt: number): ExecutionOutcome {
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

function nextAttempt(message: TaskMessage): TaskMessage {
  return { ...message, retries: message.retries + 1, eta: undefined };
}
