import type { AsyncResult } from '../results/async-result';
import { FreezeContext, resultIdOf } from './freeze';
import { Workflow, type WorkflowRunner } from './workflow';

/** A workflow that ends in one task's result (a chain, a chord): started the same way. */
export abstract class SingleResultWorkflow<R = unknown> extends Workflow<R> {
  constructor(protected readonly runner: WorkflowRunner) {
    super();
  }

  /** Starts it; resolves with the result of its final task. */
  async applyAsync(): Promise<AsyncResult<R>> {
    const spec = this.toSpec(new FreezeContext());
    await this.runner.start(spec);
    return this.runner.result<R>(resultIdOf(spec));
  }

  delay(): Promise<AsyncResult<R>> {
    return this.applyAsync();
  }
}
