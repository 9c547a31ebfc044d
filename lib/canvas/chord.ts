import type { FreezeContext } from './freeze';
import { SingleResultWorkflow } from './single-result-workflow';
import type { Workflow, WorkflowRunner } from './workflow';
import type { ChordSpec } from '../serialization/workflow-spec';

/**
 * A header of steps run in parallel, then the callback once, with the list of
 * their results in header order. Completion is counted atomically in the broker
 * (no polling): the member that completes the count sends the callback. A failed
 * member fails the chord: the callback never runs and its result is a ChordError.
 */
export class Chord<R = unknown> extends SingleResultWorkflow<R> {
  /** @internal Made by TaskClient.chord(). */
  constructor(
    runner: WorkflowRunner,
    readonly header: readonly Workflow[],
    readonly callback: Workflow<R>,
  ) {
    super(runner);
  }

  /** @internal */
  toSpec(context: FreezeContext): ChordSpec {
    return {
      kind: 'chord',
      id: context.id(),
      header: this.header.map((member) => context.single(member.toSpec(context))),
      body: context.single(this.callback.toSpec(context)),
    };
  }
}
