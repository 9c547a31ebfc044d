/**
 * `@Task({ debounce })`: calls with the same key within `delay` of each other collapse
 * into one run, `delay` after the last call, with the last call's arguments.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface DebounceTaskOptions<A extends unknown[] = any[]> {
  /** The key of a call, from its arguments; runs at enqueue. Calls of the task with the same key collapse. */
  key: (...args: A) => string;
  /** Quiet time after the last call before the run, ms (> 0). */
  delay: number;
  /** The run is due no later than this many ms after the first call of its window (>= delay). Default: none. */
  maxWait?: number;
}

/** Per call (`applyAsync` / `send`): debounce by this key; overrides the task's key and delay. */
export interface DebounceOptions {
  /** Calls of the task with the same key collapse (1 to 500 characters). */
  key: string;
  /** Quiet time after the last call before the run, ms (> 0). Default: the task's. */
  delay?: number;
  /** The run is due no later than this many ms after the first call of its window (>= delay). Default: the task's, unless the call gives `delay`. */
  maxWait?: number;
}

export const MAX_DEBOUNCE_KEY_LENGTH = 500;
