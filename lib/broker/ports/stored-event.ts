import type { TaskEvent } from '../../serialization/task-event';

/** An event as read back from the stream: its stream id, and the task's arguments when the sender included them. */
export interface StoredEvent extends Omit<TaskEvent, 'args'> {
  id: string;
  /** As sent, or a truncated JSON string when long. */
  args?: unknown;
}
