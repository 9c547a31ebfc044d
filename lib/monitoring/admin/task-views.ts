import type { SerializedError } from '../../errors';
import type { TaskState } from '../../serialization/task-state';
import type { TaskMessage } from '../../serialization/task-message';
import type { StoredEvent } from '../../broker/ports/stored-event';
import type { QueueCounts } from '../../broker/ports/queue-admin';

/** A queue as the dashboard and `inspect queues` show it. */
export interface QueueInfo extends QueueCounts {
  name: string;
  /** A sharded queue's shards (the counts above are their sums); absent for a queue of one shard. */
  shards?: Array<QueueCounts & { name: string }>;
  /** Online workers consuming it. */
  consumers: string[];
  /** Tasks finished (succeeded or failed) per minute, from recent events. */
  processedPerMinute: number;
  /** Tasks sent per minute, from recent events. */
  sentPerMinute: number;
}

/** One task in a list. */
export interface TaskSummary {
  id: string;
  task?: string;
  state: TaskState;
  queue?: string;
  worker?: string;
  retries?: number;
  sentAt?: number;
  startedAt?: number;
  finishedAt?: number;
  runtime?: number;
  error?: { name: string; message: string };
  /** Time of the latest thing known about it. */
  lastSeen: number;
}

/** Everything known about one task. */
export interface TaskDetail extends TaskSummary {
  args?: unknown;
  result?: unknown;
  /** With its stack, from the result. */
  failure?: SerializedError;
  reason?: string;
  eta?: number;
  /** Its events still in the stream, oldest first. */
  timeline: StoredEvent[];
  /** The stored message while queued or running. */
  message?: TaskMessage;
  /** A kept message: the task can be sent again. */
  retryable: boolean;
  /** Not finished: it can be revoked. */
  revocable: boolean;
}

/** Filters of the task list. */
export interface TaskFilter {
  /** Substring of the task name (case-insensitive). */
  name?: string;
  state?: TaskState;
  /** Id prefix. */
  id?: string;
  limit?: number;
}
