import type { RedisClient } from './redis-client';
import type { WorkerDirectory } from '../ports/worker-directory';
import { FORGET_WORKER_AFTER, workerStatus, type WorkerState, type WorkerView } from '../ports/worker-state';

/** One hash, worker id -> latest state (JSON): a heartbeat is one HSET. */
export class RedisWorkerDirectory implements WorkerDirectory {
  constructor(
    private readonly redis: RedisClient,
    private readonly key: string,
  ) {}

  async save(state: WorkerState): Promise<void> {
    await this.redis.hset(this.key, state.id, JSON.stringify(state));
  }

  async list(): Promise<WorkerView[]> {
    const now = Date.now();
    const all = await this.redis.hgetall(this.key);
    const views: WorkerView[] = [];
    const forget: string[] = [];
    for (const [id, json] of Object.entries(all)) {
      const state = parse(json);
      if (!state || now - state.lastHeartbeat > FORGET_WORKER_AFTER) forget.push(id);
      else views.push({ ...state, status: workerStatus(state, now) });
    }
    if (forget.length > 0) await this.redis.hdel(this.key, ...forget);
    return views.sort((a, b) => b.lastHeartbeat - a.lastHeartbeat);
  }
}

function parse(json: string): WorkerState | null {
  try {
    const state = JSON.parse(json) as WorkerState;
    return state && typeof state.id === 'string' && typeof state.lastHeartbeat === 'number' ? state : null;
  } catch {
    return null;
  }
}
