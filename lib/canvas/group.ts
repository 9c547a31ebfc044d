 
import { FreezeContext, resultIdOf } from './freeze';
import { GroupResult } from './group-result';
import { Workflow, type WorkflowRunner } from './workflow';
import type { GroupSpec } from '../serialization/workflow-spec';

/**
 * Members run in parallel. On its own it gives a GroupResult; inside a chain
 * or a chord its result is the list of its members' results, in order.
 */
export class Group<T extends readonly unknown[] = unknown[]> extends Workflow<T> {
  /** @internal Made by TaskClient.group(). */
  constructor(
    private readonly runner: WorkflowRunner,
    readonly members: readonly Workflow[],
  ) {
    super();
  }

  /** Starts every member; one round trip for all of them. */
  async applyAsync(): Promise<GroupResult<T>> {
    const spec = this.toSpec(new FreezeContext());
    await this.runner.start(spec);
    return new GroupResult<T>(
      spec.id,
      spec.members.map((member) => this.runner.result(resultIdOf(member))),
    );
  }

  delay(): Promise<GroupResult<T>> {
    return this.applyAsync();
  }

  /** @internal */
  toSpec(context: FreezeContext): GroupSpec {
    return { kind: 'group', id: context.id(), members: this.members.map((member) => context.single(member.toSpec(context))) };
  }
}
