import { assertCombinable } from './assert-combinable';
import type { TaskOptions } from './task-options.interface';
import type { TaskConfig } from './task-config';

/**
 * A task's options: the module's defaults under what its decorator says. The one place
 * they are merged, so combinations that only the merge reveals are refused here.
 */
export function resolveTaskOptions(config: Pick<TaskConfig, 'defaults'>, declared: TaskOptions = {}, where = '@Task'): TaskOptions {
  const options = { ...config.defaults, ...declared };
  assertCombinable(options, where);
  return options;
}
