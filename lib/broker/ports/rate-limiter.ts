/** A start slot of a rate-limited task reserved for one message; void once the rate changes after `issued`. */
export interface RateTicket {
  slot: number;
  issued: number;
}

/** Global rate limits, shared by every worker of the namespace. */
export interface RateLimiter {
  /**
   * Asks to start one run of a rate-limited task, shared by every worker: `wait` 0 means
   * start now (the start is counted); otherwise wait that many ms and ask again with the
   * `ticket` of the start slot reserved for the caller, so nobody overtakes it meanwhile.
   */
  acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }>;
  /**
   * Runtime rate-limit overrides by task name (null clears one). Takes effect at once:
   * tickets handed out under the old rate are void, and the task's messages waiting
   * for a slot come back now to be spaced at the new rate.
   */
  setRateLimit(task: string, rate: string | null): Promise<void>;
  rateLimits(): Promise<Record<string, string>>;
}
