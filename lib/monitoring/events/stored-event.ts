import type { TaskEvent } from '../../events/task-event';

/** An event as read back from the stream: its stream id, and the task's arguments when the sender included them. */
export interface StoredEvent extends TaskEvent {
  id: string;
  args?: unknown;
}
