/** One task to enqueue in a fan-out call. */
export interface BulkItem {
  i: number;
  /** 1-9, or absent for none. */
  priority?: number;
}

/**
 * The only library-specific code of the bench: how to enqueue and how to consume.
 * Everything that is timed around these calls is shared, so both libraries are
 * measured by the same code.
 */
export interface BenchProducer {
  /** One noop task, as an application would send it (`delay()` / `queue.add()`). */
  add(i: number): Promise<unknown>;
  /** One latency task carrying its send time. */
  addTimed(index: number, sentAt: number): Promise<unknown>;
  /** One latency task due in `countdown` ms, carrying its due time (`countdown` / `delay`). */
  addDelayed(index: number, dueAt: number, countdown: number): Promise<unknown>;
  /** Many noop tasks in one call (`delayMany()` / `queue.addBulk()`). */
  addMany(items: readonly BulkItem[]): Promise<unknown>;
  close(): Promise<void>;
}

export interface BenchConsumer {
  /** Starts consuming with a worker already built and connected; resolves once it runs. */
  start(): Promise<void>;
  /** Stops the worker gracefully; returns the messages still in the queue (should be 0). */
  stop(): Promise<number>;
  /** Stops the worker gracefully (other workers may still be running on the queue). */
  halt(): Promise<void>;
  /** The messages still in the queue, waiting, delayed or running anywhere (not yet acknowledged). */
  leftover(): Promise<number>;
  close(): Promise<void>;
  /** With a recording tracer provider: the spans it exported so far (flushing first). */
  exportedSpans?(): Promise<number>;
}

export interface LibraryAdapter {
  producer(): Promise<BenchProducer>;
  /** Builds and connects a worker with `concurrency` slots, not yet consuming. */
  consumer(concurrency: number): Promise<BenchConsumer>;
}
