import type { Logger } from '@nestjs/common';
import type { Broker, SettleOp } from '../broker/ports/broker';
import type { ResultWrite } from '../serialization/result-record';

const RETRY_AFTER_MS = 500;
/** Sends of one operation that Redis itself refuses (an error reply) before it is given up. */
const MAX_REFUSALS = 5;

/**
 * Collects acknowledgements and result writes and sends them together once per
 * tick (pipelined); while a send is on its way, what comes meanwhile waits and leaves
 * as one send when it is answered (one in flight: when the worker runs tasks faster
 * than Redis settles them, the sends grow rather than queue up). A failed send is kept
 * and tried again: nothing is dropped while the broker is away. An operation that
 * Redis refuses (bad data written by hand, say) is retried alone, so it never holds
 * back the others, and given up after a few refusals instead of being resent forever.
 */
export class SettleBuffer {
  private ops: SettleOp[] = [];
  /** Keyed by task id: a later state replaces an earlier one not yet sent (STARTED → SUCCESS). */
  private results = new Map<string, ResultWrite>();
  private scheduled = false;
  /** Settled when every send on its way is answered; undefined when none is. */
  private sending?: Promise<void>;
  /** The send that takes what is buffered once `sending` is answered. */
  private next?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private readonly refusals = new WeakMap<SettleOp | ResultWrite, number>();
  private crossSlotReported = false;

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

  /** Sends what is buffered now, or once the sends on their way are answered; resolves when everything buffered so far is sent. */
  flush(): Promise<void> {
    if (this.sending) {
      this.next ??= this.sending.then(() => {
        this.next = undefined;
        return this.flush();
      });
      return this.next;
    }
    if (this.size === 0) return Promise.resolve();
    return this.sendBuffered();
  }

  /**
   * Writes what is buffered now, even while a send is on its way, when it puts a message
   * back in a queue (a retry, a release, a rate-limit wait). A fetch calls it before it
   * leaves: on one connection what is written first runs first, so the fetch finds those
   * messages (a retry of priority 9 is not overtaken by the priority-0 messages it should
   * precede). Acknowledgements and results alone keep waiting: they change nothing a fetch
   * returns, and sending them early would make the fetch wait behind them in Redis.
   */
  sendBeforeFetch(): void {
    if (this.ops.some((op) => op.kind !== 'ack')) void this.sendBuffered();
  }

  /** Sends the buffer; `sending` covers every send on its way. */
  private sendBuffered(): Promise<void> {
    const ops = this.ops;
    const results = [...this.results.values()];
    this.ops = [];
    this.results = new Map();
    const sent = this.send(ops, results);
    const onTheirWay = this.sending ? Promise.all([this.sending, sent]).then(() => undefined) : sent;
    const sending: Promise<void> = onTheirWay.finally(() => {
      if (this.sending === sending) this.sending = undefined;
    });
    this.sending = sending;
    return sent;
  }

  /** Flushes until the buffer is empty or `deadline` passes. */
  async drain(deadline: number): Promise<void> {
    while (this.size > 0 && Date.now() < deadline) {
      await this.flush();
      if (this.size > 0) await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
    }
    await (this.next ?? this.sending);
  }

  dispose(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async send(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    try {
      await this.broker.settle(ops, results);
    } catch (error) {
      if (isRefusal(error) && ops.length + results.length > 1) {
        // One of them is refused: send each alone (still one round trip) so the others go through.
        await Promise.all([...ops.map((op) => this.send([op], [])), ...results.map((write) => this.send([], [write]))]);
        return;
      }
      this.keep(ops, results, error as Error);
    }
  }

  /** Keeps what failed for the next try, unless Redis refused it too often. */
  private keep(ops: SettleOp[], results: ResultWrite[], error: Error): void {
    const item = ops[0] ?? results[0];
    if (isCrossSlot(error) && item) {
      // Keys of one command in different Cluster slots: our bug, and no retry can fix it.
      const what = ops[0] ? `${ops[0].kind} of message ${ops[0].id} on ${ops[0].queue}` : `result of task ${results[0].record.id}`;
      if (!this.crossSlotReported) {
        this.crossSlotReported = true;
        this.logger.error(`Giving up the ${what}: Redis Cluster refused a command whose keys span slots (${error.message}). This is a bug in nestjs-tasks: please report it. Later ones are given up without a log line.`);
      }
      return;
    }
    if (isRefusal(error) && item) {
      const refusals = (this.refusals.get(item) ?? 0) + 1;
      this.refusals.set(item, refusals);
      if (refusals >= MAX_REFUSALS) {
        const what = ops[0] ? `${ops[0].kind} of message ${ops[0].id} on ${ops[0].queue}` : `result of task ${results[0].record.id}`;
        this.logger.error(`Giving up the ${what} after ${refusals} refusals: ${error.message}`);
        return;
      }
    }
    this.logger.warn(`Could not settle ${ops.length} message(s) and ${results.length} result(s), will retry: ${error.message}`);
    this.ops = [...ops, ...this.ops];
    for (const write of results) if (!this.results.has(write.record.id)) this.results.set(write.record.id, write);
    this.retryTimer ??= setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, RETRY_AFTER_MS);
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

/**
 * Redis answered with an error that sending again will not change (a script error,
 * a bad argument, a key of the wrong type), as opposed to a lost connection or a
 * server that is loading, read-only or out of memory for now.
 */
function isRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError' && /^(ERR|WRONGTYPE|CROSSSLOT) /.test(error.message);
}

function isCrossSlot(error: unknown): boolean {
  return error instanceof Error && /^CROSSSLOT /.test(error.message);
}
