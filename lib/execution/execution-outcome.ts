import type { SerializedError } from '../errors';
import type { TaskMessage } from '../serialization/task-message';

/** How one run of a task ended; `traceparent`: the run's span, when telemetry traced it (lib/telemetry). */
export type ExecutionOutcome = (
  /** `text`: the value's JSON when it was written already (toJson). */
  | { kind: 'success'; value: unknown; text?: string; startedAt: number; finishedAt: number }
  | { kind: 'failure'; error: SerializedError; startedAt?: number; finishedAt: number; retries: number }
  /** Run again: `message` is the next attempt, due at `eta`. */
  | { kind: 'retry'; error: SerializedError; eta: number; message: TaskMessage; startedAt: number }
  | { kind: 'revoked'; reason: string }
) & { traceparent?: string };
