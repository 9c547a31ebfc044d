import type { WorkflowSpec } from '../serialization/workflow-spec';

/** A step whose result must show that it will never run. */
export interface NeverRunTarget {
  id: string;
  task: string;
  /** Its own result retention, when set. */
  resultExpires?: number;
}

/** Every result id in `spec` that waits for a run that will not happen (steps that keep no result are skipped). */
export function neverRunTargets(spec: WorkflowSpec): NeverRunTarget[] {
  switch (spec.kind) {
    case 'task': {
      if (spec.options?.ignoreResult ?? spec.taskOptions?.ignoreResult) return [];
      const resultExpires = spec.options?.resultExpires ?? spec.taskOptions?.resultExpires;
      return [resultExpires === undefined ? { id: spec.id, task: spec.task } : { id: spec.id, task: spec.task, resultExpires }];
    }
    case 'chain':
      return spec.steps.flatMap(neverRunTargets);
    case 'group':
      return spec.members.flatMap(neverRunTargets);
    case 'chord':
      return [...spec.header.flatMap(neverRunTargets), ...neverRunTargets(spec.body)];
    case 'collect':
      return [{ id: spec.id, task: 'group' }];
  }
}

/** The errbacks of a step that did not run because what it waited for failed (a chord's callback). */
export function entryErrbacks(spec: WorkflowSpec): WorkflowSpec[] {
  if (spec.kind === 'task') return spec.linkError ?? [];
  if (spec.kind === 'chain') return entryErrbacks(spec.steps[0]);
  return [];
}
