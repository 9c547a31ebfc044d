import { TaskConfigError } from '../../errors';

/** Where debounce cannot be used (delayMany, workflow steps): TaskConfigError when the call or the task asks for it. */
export function refuseDebounce(where: string, task: { name: string; options: { debounce?: unknown } }, callDebounce: unknown, why: string): void {
  if (callDebounce !== undefined) throw new TaskConfigError(`${where}.debounce`, callDebounce, `nothing: ${why}`);
  if (task.options.debounce !== undefined) {
    throw new TaskConfigError(where, task.name, `a task without @Task debounce: ${why}`);
  }
}
