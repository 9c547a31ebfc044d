import type { WorkerState, WorkerView } from './worker-state';

/** The latest heartbeat of every worker of the namespace. */
export interface WorkerDirectory {
  save(state: WorkerState): Promise<void>;
  /** Every known worker with its status, newest heartbeat first; long-gone ones are forgotten. */
  list(): Promise<WorkerView[]>;
}
