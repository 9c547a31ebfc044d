/* eslint-disable @typescript-eslint/no-explicit-any */
import type { AsyncResult } from '../results/async-result';
import type { FreezeContext } from './freeze-context';
import type { WorkflowSpec } from '../serialization/workflow-spec';

/** Starts frozen workflows and hands out results; the engine implements it. */
export interface WorkflowRunner {
  start(spec: WorkflowSpec): Promise<void>;
  result<R>(id: string): AsyncResult<R>;
}

/**
 * Anything that can be a step of a workflow: a Signature, Chain, Group or Chord.
 * `R` is what its result resolves to.
 */
export abstract class Workflow<R = unknown> {
  /** Type only: carries R for inference. */
  declare readonly __result?: R;

  /** @internal Turns the workflow into data, fixing every task id. */
  abstract toSpec(context: FreezeContext): WorkflowSpec;
}

/** What a workflow's result resolves to. */
export type ResultOf<W> = W extends Workflow<infer R> ? R : never;

/** The results of a list of workflows, in order (a tuple for a tuple). */
export type ResultsOf<M extends readonly Workflow<any>[]> = { -readonly [K in keyof M]: ResultOf<M[K]> };
