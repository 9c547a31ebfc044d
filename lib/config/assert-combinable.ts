import { TaskConfigError } from '../errors';
import type { TaskOptions } from './task-options.interface';

/** Options that cannot hold together, whichever level set them. */
export function assertCombinable(options: TaskOptions, where: string): void {
  if (options.concurrency && options.acksLate === false) {
    // An early ack would free the key's slot when the task starts, not when it ends.
    throw new TaskConfigError(`${where}.concurrency`, options.concurrency, 'acksLate: true (the default): a concurrency key holds its slot until the task is acknowledged');
  }
}
