import type { TaskOptions } from './task-options.interface';
import type { TaskConfig } from './task-config';

/** A task's options: the module's defaults under what its decorator says. The one place they are merged. */
export function resolveTaskOptions(config: Pick<TaskConfig, 'defaults'>, declared: TaskOptions = {}): TaskOptions {
  return { ...config.defaults, ...declared };
}
