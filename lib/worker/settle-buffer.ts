import type { Logger } from '@nestjs/common';
import type { Broker, SettleOp } from '../broker/broker.interface';
import type { ResultWrite } from '../results/result-record';

const RETRY_AFTER_MS = 500;

/**
 * Collects acknowledgements and result writes and sends them together once per
 * tick (pipelined). A failed send is kept and tried again: nothing is dropped
 * while the broker is away.
 */
export class SettleBuffer {
  private ops: SettleOp[] = [];
  /** Keyed by task id: a later state replaces an earlier one not yet sent (STARTED → SUCCESS). */
  private results = new Map<string, ResultWrite>();
  private scheduled = false;
  private inFlight: Promise<void> = Promise.resolve();
  private retryTimer?: NodeJS.Timeout;

  constructor(
    private readonly broker: Broker,
    private readonly logger: Logger,
  ) {}

  add(op: SettleOp | null, result: ResultWrite | null): void {
    if (op) this.ops.push(op);
    if (result) this.results.set(result.record.id, result);
    this.schedule();
  }

  get size(): number {
    return this.ops.length + this.results.size;
  }

  /** Sends what is buffered now; resolves when everything buffered so far is sent. */
  flush(): Promise<void> {
    if (this.ops.length === 0 && this.results.size === 0) return this.inFlight;
    const ops = this.ops;
    const results = [...this.results.values()];
    this.ops = [];
    this.results = new Map();
    const previous = this.inFlight;
    this.inFlight = previous.then(() =>
      this.broker.settle(ops, results).catch((error: Error) => {
        this.logger.warn(`Could not settle ${ops.length} message(s), will retry: ${error.message}`);
        this.ops = [...ops, ...this.ops];
        for (const write of results) if (!this.results.has(write.record.id)) this.results.set(write.record.id, write);
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = undefined;
          void this.flush();
        }, RETRY_AFTER_MS);
      }),
    );
    return this.inFlight;
  }

  /** Flushes until the buffer is empty or `deadline` passes. */
  async drain(deadline: number): Promise<void> {
    while (this.size > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.size > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
    }
    await this.inFlight;
  }

  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(() => {
      this.scheduled = false;
      void this.flush();
    });
  }
}
