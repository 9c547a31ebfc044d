import type { BuiltMessage } from './message-builder';

/**
 * Recording mode's side of the dispatcher: in recording mode every message it would
 * publish (or run, in eager mode) is handed here instead. Implemented by lib/testing's
 * TaskRecorder, provided under TASK_RECORDING.
 */
export interface RecordingSink {
  keep(built: readonly BuiltMessage[]): void;
}
