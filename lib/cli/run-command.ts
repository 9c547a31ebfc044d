/** Exit codes: 0 done, 1 failed, 2 nothing answered (no worker replied, nothing found). */
export const EXIT_FAILED = 1;
export const EXIT_NO_REPLY = 2;

/** Thrown by a command to end with a message and an exit code (no stack). */
export class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode = EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CommandFailure';
  }
}
