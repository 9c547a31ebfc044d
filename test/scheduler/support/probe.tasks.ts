import { Injectable } from '@nestjs/common';
import { currentTask, Task } from '../../../lib';

/** Every run of a probe task in this process: its task id (a tick's id says which tick) and label. */
export const probeRuns: Array<{ id: string; label: string; at: number }> = [];

export function runsOf(label: string): string[] {
  return probeRuns.filter((run) => run.label === label).map((run) => run.id);
}

/** Tasks the scheduler suites send by name. */
@Injectable()
export class ProbeTasks {
  @Task({ name: 'probe.record', maxRetries: 0 })
  record(label: string): string {
    probeRuns.push({ id: currentTask().id, label, at: Date.now() });
    return label;
  }
}
