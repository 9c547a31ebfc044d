import type { TaskMessage } from '../../serialization/task-message';
import type { ExecutionOutcome } from '../../execution/execution-outcome';

/** Set in the environment of a process-pool child: its TaskWorker serves the parent instead of consuming. */
export const POOL_CHILD_ENV = 'NESTJS_TASKS_POOL_CHILD';

export type ParentToChild =
  | { type: 'run'; message: TaskMessage; delivery: number; worker: string }
  | { type: 'run-batch'; batchId: string; messages: TaskMessage[]; deliveries: number[]; worker: string }
  | { type: 'exit' };

export type ChildToParent =
  | { type: 'ready' }
  | { type: 'done'; taskId: string; outcome: ExecutionOutcome; rss: number }
  | { type: 'batch-done'; batchId: string; outcomes: ExecutionOutcome[]; rss: number };

export function isPoolChild(): boolean {
  return process.env[POOL_CHILD_ENV] === '1' && typeof process.send === 'function';
}
