/** A task a worker is running, as its heartbeat reports it. */
export interface RunningTask {
  id: string;
  task: string;
  queue: string;
  startedAt: number;
  retries?: number;
}

/** What a worker says about itself, in stats replies and heartbeats alike. */
export interface WorkerDescription {
  id: string;
  hostname: string;
  pid: number;
  queues: readonly string[];
  concurrency: number;
  pool?: string;
  beat: boolean;
  startedAt: number;
  active: number;
  reserved: number;
  processed: number;
  succeeded: number;
  failed: number;
  retried: number;
  /** Why the worker cannot run tasks now (its process pool has no child); absent while it can. */
  problem?: string;
  /** Resident memory, bytes. */
  rss: number;
  loadavg: number[];
}

/** What a worker's heartbeat says about it (stored per worker, latest only). */
export interface WorkerState extends WorkerDescription {
  /** Time of the latest heartbeat, ms. */
  lastHeartbeat: number;
  heartbeatInterval: number;
  /** What the worker last said: online, or offline after a clean stop. */
  state: 'online' | 'offline';
  /** Up to 50 of the tasks running at the heartbeat. */
  running: RunningTask[];
}

/** Online: heartbeats arrive; offline: stopped cleanly; lost: 3 heartbeats missed. */
export type WorkerStatus = 'online' | 'offline' | 'lost';

export interface WorkerView extends WorkerState {
  status: WorkerStatus;
}

export const MISSED_HEARTBEATS = 3;
/** Workers gone longer than this are dropped from the directory. */
export const FORGET_WORKER_AFTER = 60 * 60 * 1000;

export function workerStatus(state: WorkerState, now = Date.now()): WorkerStatus {
  if (state.state === 'offline') return 'offline';
  return now - state.lastHeartbeat > MISSED_HEARTBEATS * state.heartbeatInterval ? 'lost' : 'online';
}
