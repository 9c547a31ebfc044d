import { TaskConfigError } from '../errors';
import type { WorkflowSpec } from '../serialization/workflow-spec';
import { newTaskId } from '../utils/task-id';

/**
 * One freezing of a workflow into data: gives every step its id (random, or the
 * taskId set on its signature) and refuses an id used twice.
 */
export class FreezeContext {
  private readonly used = new Set<string>();

  id(fixed?: string): string {
    const id = fixed ?? newTaskId();
    if (this.used.has(id)) {
      throw new TaskConfigError('taskId', id, 'an id used once per workflow (a signature with a fixed taskId appears twice)');
    }
    this.used.add(id);
    return id;
  }

  /** A step that must have one result: a group becomes a chord that collects its members' results. */
  single(spec: WorkflowSpec): WorkflowSpec {
    if (spec.kind !== 'group') return spec;
    return { kind: 'chord', id: this.id(), header: spec.members, body: { kind: 'collect', id: this.id() } };
  }
}
