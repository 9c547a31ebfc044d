import type { WorkerDirectory } from '../ports/worker-directory';
import { FORGET_WORKER_AFTER, workerStatus, type WorkerState, type WorkerView } from '../ports/worker-state';

export class MemoryWorkerDirectory implements WorkerDirectory {
  private readonly workers = new Map<string, WorkerState>();

  async save(state: WorkerState): Promise<void> {
    this.workers.set(state.id, JSON.parse(JSON.stringify(state)) as WorkerState);
  }

  async list(): Promise<WorkerView[]> {
    const now = Date.now();
    for (const [id, state] of this.workers) if (now - state.lastHeartbeat > FORGET_WORKER_AFTER) this.workers.delete(id);
    return [...this.workers.values()]
      .map((state) => ({ ...state, status: workerStatus(state, now) }))
      .sort((a, b) => b.lastHeartbeat - a.lastHeartbeat);
  }
}
