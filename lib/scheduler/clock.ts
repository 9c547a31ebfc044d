/** Where the scheduler reads the time. Override `TASK_CLOCK` in tests to move time by hand. */
export interface TaskClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: TaskClock = { now: () => Date.now() };
