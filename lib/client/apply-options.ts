import type { Workflow } from '../canvas/workflow';

/** Per-call options of `applyAsync` and `send`. */
export interface ApplyOptions {
  /** Run no sooner than this many ms from now. */
  countdown?: number;
  /** Run no sooner than this time (Date or ms timestamp). */
  eta?: Date | number;
  /** Revoke if not started by then: ms from now, or a Date. */
  expires?: number | Date;
  /** Overrides routes and the task's queue. */
  queue?: string;
  /** 0 to 9; higher runs first within a queue. */
  priority?: number;
  /** Use this id instead of a random one; a second enqueue with the same id is a no-op while the first is queued. */
  taskId?: string;
  /** Overrides the task's maxRetries for this call. */
  maxRetries?: number;
  /** Overrides the task's ignoreResult for this call. */
  ignoreResult?: boolean;
  /** Overrides how long the result is kept, ms. */
  resultExpires?: number;
  /** While a task with this key is queued or running, return it instead of enqueueing another. */
  uniqueKey?: string;
  /** Longest life of the unique lock, ms. Default: the task's unique.ttl, else 1 hour. */
  uniqueTtl?: number;
  /** Workflows to run after success, the result prepended to their arguments (signatures, chains, groups, chords). */
  link?: Workflow | readonly Workflow[];
  /** Workflows to run after failure or revoke, a WorkflowFailure prepended to their arguments. */
  linkError?: Workflow | readonly Workflow[];
}
