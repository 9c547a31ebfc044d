import type { AsyncResult } from '../results/async-result';
import { FreezeContext, foldChain, resultIdOf } from './freeze';
import { Workflow, type WorkflowRunner } from './workflow';
import type { WorkflowSpec } from './workflow-spec';

/**
 * Steps run one after the other; each step's result is prepended to the next
 * one's arguments (unless that step is immutable). A failure stops the chain:
 * the remaining steps never run and the chain's result fails with that error.
 */
export class Chain<R = unknown> extends Workflow<R> {
  /** @internal Made by TaskClient.chain(). */
  constructor(
    private readonly runner: WorkflowRunner,
    readonly steps: readonly Workflow[],
  ) {
    super();
  }

  /** Starts the chain; resolves with the result of its last step. */
  async applyAsync(): Promise<AsyncResult<R>> {
    const spec = this.toSpec(new FreezeContext());
    await this.runner.start(spec);
    return this.runner.result<R>(resultIdOf(spec));
  }

  delay(): Promise<AsyncResult<R>> {
    return this.applyAsync();
  }

  /** @internal */
  toSpec(context: FreezeContext): WorkflowSpec {
    return foldChain(
      this.steps.map((step) => step.toSpec(context)),
      context,
    );
  }
}
