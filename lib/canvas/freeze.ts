import { TaskConfigError } from '../errors';
import { FreezeContext } from './freeze-context';
import type { ChordSpec, WorkflowSpec } from '../serialization/workflow-spec';
import { Workflow } from './workflow';

export { FreezeContext };

/**
 * Chain steps in Celery's shape: nested chains are flattened, a group followed by a
 * step becomes a chord with that step as its callback, a group at the end collects.
 */
export function foldChain(steps: WorkflowSpec[], context: FreezeContext): WorkflowSpec {
  const flat = steps.flatMap((step) => (step.kind === 'chain' ? step.steps : [step]));
  const folded: WorkflowSpec[] = [];
  for (let i = 0; i < flat.length; i++) {
    const step = flat[i];
    if (step.kind !== 'group') {
      folded.push(step);
      continue;
    }
    const next = flat[i + 1];
    if (next === undefined) {
      folded.push(context.single(step));
    } else {
      const chord: ChordSpec = { kind: 'chord', id: context.id(), header: step.members, body: context.single(next) };
      folded.push(chord);
      i++;
    }
  }
  return folded.length === 1 ? folded[0] : { kind: 'chain', steps: folded };
}

/** The id under which a step's final result is stored. */
export function resultIdOf(spec: WorkflowSpec): string {
  switch (spec.kind) {
    case 'task':
    case 'collect':
      return spec.id;
    case 'chain':
      return resultIdOf(spec.steps[spec.steps.length - 1]);
    case 'chord':
      return resultIdOf(spec.body);
    case 'group':
      return spec.id;
  }
}

/** Checks a list of workflows given as an option or argument; names the option on a bad value. */
export function assertWorkflows(option: string, value: unknown, minimum = 0): Workflow[] {
  const list = Array.isArray(value) ? value : [value];
  list.forEach((item, i) => {
    if (!(item instanceof Workflow)) {
      const where = Array.isArray(value) ? `${option}[${i}]` : option;
      throw new TaskConfigError(where, item, 'a signature, chain, group or chord made by TaskClient');
    }
  });
  if (list.length < minimum) throw new TaskConfigError(option, value, `at least ${minimum} signature(s)`);
  return list as Workflow[];
}

/** `link` / `linkError` of applyAsync: frozen into data for the message. */
export function freezeCallbacks(option: 'link' | 'linkError', value: unknown): WorkflowSpec[] {
  const context = new FreezeContext();
  return assertWorkflows(option, value).map((workflow) => workflow.toSpec(context));
}
