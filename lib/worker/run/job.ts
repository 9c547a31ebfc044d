import type { ReservedMessage } from '../../broker/ports/broker';
import type { RateTicket } from '../../broker/ports/rate-limiter';
import type { RunAbort } from '../../execution/run-abort';
import type { TaskMessage } from '../../serialization/task-message';

/** A reserved message while this worker holds it. */
export interface Job {
  readonly reserved: ReservedMessage;
  readonly message: TaskMessage;
  readonly abort: RunAbort;
  /** Set once the message went back to the broker; its outcome is then ignored. */
  released: boolean;
  /** Acknowledged at start (acksLate: false). */
  acked: boolean;
  startedAt: number;
  /** Set on the first job of a formed batch: it stands for the batch, and this lists every job of it (itself first). */
  batch?: readonly Job[];
  /** A message of a running batch revoked with terminate: settled REVOKED when the batch ends. */
  terminated?: boolean;
}

/** A message back from waiting for a rate-limit slot carries the ticket of the slot reserved for it. */
export type RateWaitingMessage = TaskMessage & { rateTicket?: RateTicket };
