/**
 * Every error the library throws, in one file. Each has a stable `name`
 * so it survives the JSON trip between processes.
 */
export class NestTasksError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A module or task option is invalid; names the option and the value. */
export class TaskConfigError extends NestTasksError {
  constructor(
    readonly option: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`Invalid option '${option}': expected ${expected}, got ${describeValue(value)}`);
  }
}

/** Two `@Task` methods resolved to one task name. */
export class DuplicateTaskError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly first: string,
    readonly second: string,
  ) {
    super(`Task name '${taskName}' is used by both ${first} and ${second}; pin one with @Task({ name })`);
  }
}

/** `delay(Class, 'method')` on a method that carries no `@Task`. */
export class TaskNotDecoratedError extends NestTasksError {
  constructor(readonly className: string, readonly methodName: string) {
    super(`${className}.${methodName} is not a task: decorate it with @Task()`);
  }
}

/** A task name that no registry (or worker) knows. */
export class UnknownTaskError extends NestTasksError {
  constructor(readonly taskName: string) {
    super(`Unknown task '${taskName}': no provider method is registered under that name`);
  }
}

/** A message carries keyword arguments (Celery's kwargs) for a task that does not accept them. */
export class UnexpectedKwargsError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly names: readonly string[],
  ) {
    super(
      `Task '${taskName}' got keyword arguments (${names.join(', ')}) but does not accept them: ` +
        'declare it @Task({ kwargs: true }) and read them with currentTask().kwargs, or send them as positional args',
    );
  }
}

/** An argument cannot travel as JSON. */
export class TaskArgumentError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly position: number,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Task '${taskName}': argument ${position} (${path}) is not JSON-safe: ${reason}`);
  }
}

/** A task's return value cannot travel as JSON. */
export class TaskResultError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Task '${taskName}': result (${path}) is not JSON-safe: ${reason}`);
  }
}

/** A serialized message is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Task '${taskName}': payload is ${bytes} bytes, over the limit of ${limit} (maxPayloadBytes)`);
  }
}

/** A task's result, as JSON, is larger than `maxResultBytes`. */
export class ResultTooLargeError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`Task '${taskName}': result is ${bytes} bytes, over the limit of ${limit} (maxResultBytes)`);
  }
}

/** A task whose message went to the dead-letter list (it could not be decoded, or its worker was lost too often). */
export class DeadLetteredError extends NestTasksError {
  constructor(readonly reason: string) {
    super(`Dead-lettered: ${reason}`);
  }
}

/** Shape of an error after its trip through JSON. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string | number;
  data?: unknown;
}

/** `AsyncResult.get()` of a task that ended in FAILURE. */
export class TaskFailedError extends NestTasksError {
  readonly remoteName: string;
  readonly remoteMessage: string;
  readonly remoteStack?: string;
  constructor(
    readonly taskId: string,
    readonly taskName: string | undefined,
    readonly remote: SerializedError,
  ) {
    super(`Task ${taskName ?? ''}[${taskId}] failed: ${remote.name}: ${remote.message}`);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    this.remoteStack = remote.stack;
  }
}

/** `AsyncResult.get()` of a task that was revoked or expired before it ran. */
export class TaskRevokedError extends NestTasksError {
  constructor(
    readonly taskId: string,
    readonly reason: string,
  ) {
    super(`Task ${taskId} was revoked: ${reason}`);
  }
}

/** `AsyncResult.get({ timeout })` gave up waiting. */
export class ResultTimeoutError extends NestTasksError {
  constructor(
    readonly taskId: string,
    readonly timeout: number,
  ) {
    super(`Timed out after ${timeout} ms waiting for the result of task ${taskId}`);
  }
}

/** `currentTask()` called outside a running task. */
export class NoTaskContextError extends NestTasksError {
  constructor() {
    super('currentTask() was called outside a running task');
  }
}

/** The broker could not be reached at start-up. */
export class BrokerConnectionError extends NestTasksError {
  constructor(
    readonly address: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `Cannot reach the broker at ${address} after ${attempts} attempt(s): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
  }
}

/**
 * With `durability: 'replicated'`, no replica confirmed a publish in time. The message is
 * on the master and may well run; a failover before it reaches a replica would lose it.
 */
export class ReplicationTimeoutError extends NestTasksError {
  constructor(
    readonly ids: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`No replica confirmed the publish of ${ids.length} task(s) within ${timeoutMs} ms (durability: 'replicated'); first id ${ids[0]}`);
  }
}

/** A message read from the broker could not be decoded; it goes to the dead-letter list. */
export class MessageDecodeError extends NestTasksError {}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Throw it from a task to fail at once, with no automatic retry. */
export class NonRetryableError extends NestTasksError {}

/** `currentTask().retry()` past maxRetries; `cause` is the error given to retry(). */
export class MaxRetriesExceededError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly maxRetries: number,
    cause?: unknown,
  ) {
    super(`Task '${taskName}' exceeded its ${maxRetries} retries`, { cause });
  }
}

/** The reason of `currentTask().signal` when the soft time limit passes. */
export class SoftTimeLimitExceeded extends NestTasksError {
  constructor(readonly limit: number) {
    super(`Soft time limit of ${limit} ms exceeded`);
  }
}

/** A task ran past its `timeLimit` and was stopped. */
export class TimeLimitExceeded extends NestTasksError {
  constructor(readonly limit: number) {
    super(`Time limit of ${limit} ms exceeded`);
  }
}

/** The reason of `currentTask().signal` when the task is revoked with terminate. */
export class TaskTerminatedError extends NestTasksError {}

/** Thrown by `currentTask().retry()`; the executor turns it into a retry. Rethrow it if caught. */
export class TaskRetryRequest extends NestTasksError {
  constructor(
    readonly countdown: number | undefined,
    readonly eta: number | undefined,
    readonly retryCause: unknown,
    readonly maxRetries: number | undefined,
  ) {
    super('Retry requested');
  }
}

/** A schedule whose cron expression, time zone or interval cannot be used; names where it was declared. */
export class InvalidScheduleError extends NestTasksError {
  constructor(
    readonly where: string,
    readonly expression: string,
    readonly reason: string,
  ) {
    super(`Invalid schedule ${expression} at ${where}: ${reason}`);
  }
}

/** Two periodic schedules share one name. */
export class DuplicateScheduleError extends NestTasksError {
  constructor(
    readonly scheduleName: string,
    readonly first: string,
    readonly second: string,
  ) {
    super(`Schedule name '${scheduleName}' is used by both ${first} and ${second}; give one a name of its own`);
  }
}

/** No schedule of that name, in code or in the store. */
export class UnknownScheduleError extends NestTasksError {
  constructor(readonly scheduleName: string) {
    super(`Unknown schedule '${scheduleName}'`);
  }
}

/** A schedule declared in code (@Periodic, forRoot beat.schedule) cannot be replaced or removed at runtime. */
export class StaticScheduleError extends NestTasksError {
  constructor(
    readonly scheduleName: string,
    readonly declaredAt: string,
    action: string,
  ) {
    super(`Schedule '${scheduleName}' is declared in code (${declaredAt}) and cannot be ${action} at runtime; disable it instead, or change the code`);
  }
}

/** An optional peer dependency (prom-client, @nestjs/platform-express, ...) is not installed. */
export class OptionalDependencyError extends NestTasksError {
  constructor(
    readonly packageName: string,
    readonly feature: string,
    cause?: unknown,
  ) {
    super(`${feature} needs the optional peer dependency '${packageName}': npm install ${packageName}`, { cause });
  }
}

/** `nest-tasks --module <path>[#Export]` could not be loaded; says what was looked for. */
export class ModuleLoadError extends NestTasksError {
  constructor(
    readonly modulePath: string,
    reason: string,
    cause?: unknown,
  ) {
    super(`Cannot load --module ${modulePath}: ${reason}`, { cause });
  }
}

/** No dead letter with that id in that queue (already requeued or deleted). */
export class DeadLetterNotFoundError extends NestTasksError {
  constructor(
    readonly queue: string,
    readonly taskId: string,
  ) {
    super(`No dead letter ${JSON.stringify(taskId)} in queue '${queue}' (already requeued or deleted?)`);
  }
}

/** A task cannot be sent again: its message is not kept (only failed or revoked tasks' are). */
export class TaskNotRetryableError extends NestTasksError {
  constructor(
    readonly taskId: string,
    readonly reason: string,
  ) {
    super(`Task ${taskId} cannot be retried: ${reason}`);
  }
}

/** A remote-control command no worker of this version knows. */
export class UnknownControlCommandError extends NestTasksError {
  constructor(readonly command: unknown) {
    super(`Unknown remote-control command ${describeValue(command)}`);
  }
}

/** A chord member failed or was revoked, so the chord's callback did not run; names the member. */
export class ChordError extends NestTasksError {
  constructor(
    readonly memberId: string,
    readonly memberTask: string,
    readonly index: number,
    readonly memberError: SerializedError,
  ) {
    super(`Chord member ${memberTask}[${memberId}] (index ${index}) failed: ${memberError.name}: ${memberError.message}`);
  }
}

/** TaskRecorder used where recording mode is off, or `drain()` that would never end. */
export class TaskRecordingError extends NestTasksError {}

/** A batch method returned something other than one result per message, in order; every message of the run fails. */
export class BatchResultError extends NestTasksError {
  constructor(
    readonly taskName: string,
    readonly expected: number,
    readonly got: string,
  ) {
    super(`Batch task '${taskName}' must return an array of ${expected} result(s), one per message in order; got ${got}`);
  }
}
