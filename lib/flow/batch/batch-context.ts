/** One message of a running batch, as `currentTask().batch.items` lists it. */
export interface BatchItemContext {
  readonly id: string;
  /** Retries of this message before this run. */
  readonly retries: number;
  /** How many times this message was delivered. */
  readonly deliveries: number;
}

/** `currentTask().batch`: set only inside a batch method. */
export interface BatchContext {
  /** The run's own id (not a task id): events name it as their `batch`. */
  readonly id: string;
  /** The messages of this run, in the order of the method's argument list. */
  readonly items: readonly BatchItemContext[];
}
