import { type FreezeContext, foldChain } from './freeze';
import { SingleResultWorkflow } from './single-result-workflow';
import type { Workflow, WorkflowRunner } from './workflow';
import type { WorkflowSpec } from '../serialization/workflow-spec';

/**
 * Steps run one after the other; each step's result is prepended to the next
 * one's arguments (unless that step is immutable). A failure stops the chain:
 * the remaining steps never run and the chain's result fails with that error.
 */
export class Chain<R = unknown> extends SingleResultWorkflow<R> {
  /** @internal Made by TaskClient.chain(). */
  constructor(
    runner: WorkflowRunner,
    readonly steps: readonly Workflow[],
  ) {
    super(runner);
  }

  /** @internal */
  toSpec(context: FreezeContext): WorkflowSpec {
    return foldChain(
      this.steps.map((step) => step.toSpec(context)),
      context,
    );
  }
}
