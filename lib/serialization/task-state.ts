export const TaskState = {
  PENDING: 'PENDING',
  RECEIVED: 'RECEIVED',
  STARTED: 'STARTED',
  RETRY: 'RETRY',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  REVOKED: 'REVOKED',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

export const READY_STATES: ReadonlySet<TaskState> = new Set([TaskState.SUCCESS, TaskState.FAILURE, TaskState.REVOKED]);

export function isReadyState(state: TaskState | undefined): boolean {
  return state !== undefined && READY_STATES.has(state);
}
