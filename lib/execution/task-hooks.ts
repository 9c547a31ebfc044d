import { Injectable } from '@nestjs/common';
import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from './execution-outcome';

/**
 * Runs after a task's outcome is known and before its message is acknowledged,
 * in workers and in eager mode. A hook that throws leaves the message
 * unacknowledged, so it is delivered again: hooks must be idempotent
 * (workflow steps use fixed ids, so publishing one twice is a no-op).
 */
export type OutcomeHook = (message: TaskMessage, outcome: ExecutionOutcome) => Promise<void> | void;

/** Runs before a message is executed; returning a reason string revokes it instead. */
export type BeforeRunHook = (message: TaskMessage) => Promise<string | null> | string | null;

/** Told when a worker of this process starts (with its resolved options) and when it stops. */
export interface WorkerLifecycleHook {
  started?(worker: WorkerInfo): Promise<void> | void;
  stopping?(worker: WorkerInfo): Promise<void> | void;
}

export interface WorkerInfo {
  readonly id: string;
  readonly queues: readonly string[];
  readonly concurrency: number;
  /** `start({ beat: true })`: this worker also runs the periodic scheduler. */
  readonly beat: boolean;
  readonly pool: 'inline' | 'process';
}

@Injectable()
export class TaskHooks {
  private readonly outcomeHooks: OutcomeHook[] = [];
  private readonly beforeRunHooks: BeforeRunHook[] = [];
  private readonly workerHooks: WorkerLifecycleHook[] = [];

  onWorker(hook: WorkerLifecycleHook): void {
    this.workerHooks.push(hook);
  }

  async workerStarted(worker: WorkerInfo): Promise<void> {
    for (const hook of this.workerHooks) await hook.started?.(worker);
  }

  async workerStopping(worker: WorkerInfo): Promise<void> {
    for (const hook of this.workerHooks) await hook.stopping?.(worker);
  }

  onOutcome(hook: OutcomeHook): void {
    this.outcomeHooks.push(hook);
  }

  beforeRun(hook: BeforeRunHook): void {
    this.beforeRunHooks.push(hook);
  }

  get hasOutcomeHooks(): boolean {
    return this.outcomeHooks.length > 0;
  }

  get hasBeforeRunHooks(): boolean {
    return this.beforeRunHooks.length > 0;
  }

  /** Runs the outcome hooks in order; a promise only when one of them returns one. */
  runOutcome(message: TaskMessage, outcome: ExecutionOutcome, from = 0): Promise<void> | void {
    for (let i = from; i < this.outcomeHooks.length; i++) {
      const pending = this.outcomeHooks[i](message, outcome);
      if (pending) return pending.then(() => this.runOutcome(message, outcome, i + 1));
    }
  }


  /** The first revoke reason a hook gives, or null to run; a promise only when a hook returns one. */
  runBeforeRun(message: TaskMessage, from = 0): Promise<string | null> | string | null {
    for (let i = from; i < this.beforeRunHooks.length; i++) {
      const answer = this.beforeRunHooks[i](message);
      if (answer instanceof Promise) return answer.then((reason) => reason || this.runBeforeRun(message, i + 1));
      if (answer) return answer;
    }
    return null;
  }

}
