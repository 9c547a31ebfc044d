import { SoftTimeLimitExceeded, TimeLimitExceeded } from '../errors';
import type { TaskOptions } from '../config/task-options.interface';
import type { RunAbort } from './run-abort';

/**
 * Arms a run's time limits: `softTimeLimit` aborts its signal, `timeLimit` stops it.
 * Returns the timers, for the caller to clear when the run ends.
 */
export function armTimeLimits(options: Pick<TaskOptions, 'softTimeLimit' | 'timeLimit'>, abort: RunAbort): NodeJS.Timeout[] {
  const timers: NodeJS.Timeout[] = [];
  const { softTimeLimit, timeLimit } = options;
  if (softTimeLimit) timers.push(setTimeout(() => abort.abortSignal(new SoftTimeLimitExceeded(softTimeLimit)), softTimeLimit));
  if (timeLimit) timers.push(setTimeout(() => abort.stop(new TimeLimitExceeded(timeLimit)), timeLimit));
  return timers;
}
