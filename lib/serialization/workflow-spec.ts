import type { SerializedError } from '../errors';

/**
 * A workflow as data: what travels inside task messages so that any worker can
 * run the next step. Every task id in it is fixed when the workflow is built,
 * so a step that is run twice (a redelivered message) publishes the same ids again.
 */
export type WorkflowSpec = TaskSpec | ChainSpec | GroupSpec | ChordSpec | CollectSpec;

/** Options of one step, as given to `.set()` (durations in ms, times as ms timestamps). */
export interface StepOptions {
  countdown?: number;
  eta?: number;
  /** ms after the step is sent. */
  expires?: number;
  /** Absolute expiry, ms timestamp (from a Date). */
  expiresAt?: number;
  queue?: string;
  priority?: number;
  maxRetries?: number;
  ignoreResult?: boolean;
  resultExpires?: number;
}

/** The task's own options, resolved where the signature was made (the worker running the step before may not know the task). */
export interface StepTaskOptions {
  queue?: string;
  priority?: number;
  ignoreResult?: boolean;
  resultExpires?: number;
}

export interface TaskSpec {
  kind: 'task';
  id: string;
  task: string;
  args: unknown[];
  options?: StepOptions;
  taskOptions?: StepTaskOptions;
  /** Ignores the parent's result. */
  immutable?: boolean;
  link?: WorkflowSpec[];
  linkError?: WorkflowSpec[];
}

/** Two or more steps, none a chain or a group (groups inside chains become chords). */
export interface ChainSpec {
  kind: 'chain';
  steps: WorkflowSpec[];
}

/** Only at the top level or as a callback: anywhere one result is needed it is a chord with a collect body. */
export interface GroupSpec {
  kind: 'group';
  id: string;
  members: WorkflowSpec[];
}

export interface ChordSpec {
  kind: 'chord';
  /** Id of the chord's counter state, not of a task. */
  id: string;
  header: WorkflowSpec[];
  body: WorkflowSpec;
}

/** The result of a group inside a workflow: the members' results, in order, stored under `id` without running a task. */
export interface CollectSpec {
  kind: 'collect';
  id: string;
}

/** What happens once a step's result is known: the rest of its chain, then its chord. */
export interface Continuation {
  chain?: WorkflowSpec[];
  chord?: ChordRef;
}

/** Carried by the last step of each chord member: where its outcome is counted. */
export interface ChordRef {
  id: string;
  index: number;
  size: number;
  body: WorkflowSpec;
  /** What follows the chord. */
  then?: Continuation;
}

/** What an errback (`linkError`) receives as its first argument. */
export interface WorkflowFailure {
  taskId: string;
  task: string;
  state: 'FAILURE' | 'REVOKED';
  error: SerializedError;
}

/** One chord member's outcome, as kept in the chord's state. */
export type ChordEntry = { ok: true; value: unknown } | { ok: false; failure: WorkflowFailure };
