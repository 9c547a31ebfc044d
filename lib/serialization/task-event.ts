/** What happened to a task or a worker. */
export type TaskEventType =
  | 'sent'
  | 'received'
  | 'started'
  | 'succeeded'
  | 'failed'
  | 'retried'
  | 'revoked'
  | 'worker-online'
  | 'worker-heartbeat'
  | 'worker-offline';

export interface TaskEvent {
  type: TaskEventType;
  /** ms timestamp. */
  at: number;
  taskId?: string;
  task?: string;
  queue?: string;
  worker?: string;
  retries?: number;
  /** received: the task's arguments. */
  args?: unknown[];
  /** succeeded: ms from start to end. */
  runtime?: number;
  /** failed / retried: the error's name and message. */
  error?: { name: string; message: string };
  /** retried: when the next attempt is due. */
  eta?: number;
  /** revoked: why. */
  reason?: string;
  /** started: the id of the batch run the task's message is part of (batch tasks only). */
  batch?: string;
}
