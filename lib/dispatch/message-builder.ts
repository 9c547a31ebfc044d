import { DEFAULT_QUEUE, MAX_CONCURRENCY_KEY_LENGTH, MESSAGE_VERSION } from '../constants';
import type { TaskOptions } from '../config/task-options.interface';
import { PayloadTooLargeError, TaskArgumentError, TaskConfigError } from '../errors';
import type { TaskConfig } from '../config/task-config';
import type { DebounceWindow } from '../broker/ports/message-queue';
import { resolveDebounce } from '../flow/debounce/resolve-debounce';
import type { RouteMatcher } from '../routing/route-matcher';
import { findArgumentProblem } from '../serialization/json-safety';
import type { CreationTrace } from '../telemetry/task-telemetry';
import { encodeMessage, type ConcurrencyKey, type TaskMessage } from '../serialization/task-message';
import { toTimestamp } from '../utils/validate';
import { validateSendOptions, type SendOptions } from './send-options';

/** The workflow fields a message carries (frozen by lib/canvas). */
export type WorkflowFields = Pick<TaskMessage, 'link' | 'linkError' | 'chain' | 'chord'>;

/** A message ready for the broker. */
export interface BuiltMessage {
  message: TaskMessage;
  body: string;
  /** Unique tasks: the lock this message takes while queued or running. */
  lock?: { key: string; ttl: number };
  /** Debounced calls: the window this message joins or opens (lib/flow/debounce). */
  debounce?: DebounceWindow;
  /** The physical queue it goes to: its queue, or the shard of it picked for this message. */
  shard: string;
  /** The span the message was created under, ended when it is sent (lib/telemetry). */
  trace?: CreationTrace;
}

/** Where a message of a queue goes, and an id for it there. */
export interface MessagePlacement {
  /** The shard of `queue` for a message with this key (shardKey, else the unique key), else the next in turn. */
  shardOf(queue: string, key?: string): string;
  /** A fresh task id for a message of `shard` (the broker may fit it to the shard, see MessageQueue.alignTaskId). */
  newId(shard: string): string;
}

/** Starts a message's creation span and writes its trace context into it (lib/telemetry). */
export interface CreationTracer {
  create(message: TaskMessage): CreationTrace | undefined;
}

const DEFAULT_UNIQUE_TTL = 3_600_000;

/**
 * Turns a call into a message: validates options and arguments (the earliest
 * point a mistake can be caught), routes it, encodes it, checks its size.
 */
export class MessageBuilder {
  constructor(
    private readonly config: TaskConfig,
    private readonly routes: RouteMatcher,
    private readonly placement: MessagePlacement,
    private readonly tracer?: CreationTracer,
  ) {}

  build(name: string, taskOptions: TaskOptions, args: readonly unknown[], options: SendOptions = {}, workflow?: WorkflowFields): BuiltMessage {
    if (!Array.isArray(args)) throw new TaskArgumentError(name, 0, '$', 'arguments must be an array');
    validateSendOptions(options);
    const problem = findArgumentProblem(args);
    if (problem) throw new TaskArgumentError(name, problem.index, problem.path, problem.reason);
    const now = Date.now();
    const route = this.routes.match(name);
    const expires = options.expires instanceof Date ? options.expires.getTime() : options.expires !== undefined ? now + options.expires : undefined;
    const eta = options.countdown !== undefined ? now + options.countdown : toTimestamp('eta', options.eta);
    const trimmed = trimTrailingUndefined(args);
    const queue = options.queue ?? route?.queue ?? taskOptions.queue ?? this.config.defaults.queue ?? DEFAULT_QUEUE;
    const debounce = this.debounceOf(name, taskOptions, trimmed, options, queue);
    const lock = uniqueLock(name, taskOptions, trimmed, options);
    const concurrency = concurrencyKey(name, taskOptions, trimmed, options);
    if (concurrency && this.config.queues.get(queue)?.protocol === 'celery') {
      throw new TaskConfigError('concurrencyKey', concurrency.key, `a native queue: '${queue}' speaks Celery, whose workers know no concurrency keys`);
    }
    // One key's messages stay in one shard: its limit is counted there, a debounce window's record is kept there.
    const shard = this.placement.shardOf(queue, concurrency ? `${name}:${concurrency.key}` : (debounce?.key ?? options.shardKey ?? lock?.key));
    const message: TaskMessage = {
      v: MESSAGE_VERSION,
      id: options.taskId ?? this.placement.newId(shard),
      task: name,
      args: trimmed,
      queue,
      sentAt: now,
      retries: 0,
    };
    if (eta !== undefined && eta > now) message.eta = eta;
    if (debounce) message.eta = now + debounce.delay;
    if (expires !== undefined) message.expires = expires;
    const priority = options.priority ?? route?.priority ?? taskOptions.priority;
    if (priority) message.priority = priority;
    if (options.maxRetries !== undefined) message.maxRetries = options.maxRetries;
    const ignoreResult = options.ignoreResult ?? taskOptions.ignoreResult;
    // An explicit false travels too: it overrides the task's own ignoreResult on the worker.
    if (ignoreResult !== undefined) message.ignoreResult = ignoreResult;
    const resultExpires = options.resultExpires ?? taskOptions.resultExpires;
    if (resultExpires !== undefined) message.resultExpires = resultExpires;
    if (concurrency) message.concurrency = concurrency;
    if (workflow) Object.assign(message, workflow);
    const trace = this.tracer?.create(message);
    const body = encodeMessage(message);
    this.checkSize(name, body);
    const built: BuiltMessage = { message, body, shard };
    if (lock) built.lock = lock;
    if (debounce) built.debounce = debounce;
    if (trace) built.trace = trace;
    return built;
  }

  private debounceOf(name: string, taskOptions: TaskOptions, args: unknown[], options: SendOptions, queue: string): DebounceWindow | undefined {
    const debounce = resolveDebounce(name, taskOptions, args, options);
    if (debounce && this.config.queues.get(queue)?.protocol === 'celery') {
      throw new TaskConfigError('debounce', debounce.key, `a queue of this library: Celery's queue '${queue}' has no debounce`);
    }
    return debounce;
  }

  checkSize(name: string, body: string): void {
    const limit = this.config.maxPayloadBytes;
    // A UTF-16 unit is at most 3 UTF-8 bytes: only long bodies need counting.
    if (body.length * 3 <= limit) return;
    const bytes = Buffer.byteLength(body);
    if (bytes > limit) throw new PayloadTooLargeError(name, bytes, limit);
  }
}

function uniqueLock(name: string, taskOptions: TaskOptions, args: unknown[], options: SendOptions): BuiltMessage['lock'] {
  let key = options.uniqueKey;
  if (key === undefined && taskOptions.unique) {
    try {
      key = taskOptions.unique.key(...args);
    } catch (error) {
      throw new TaskConfigError(`@Task(${name}).unique.key`, args, `a function that returns a key for these arguments (it threw ${String(error)})`);
    }
    if (typeof key !== 'string' || key === '') {
      throw new TaskConfigError(`@Task(${name}).unique.key`, key, 'a function returning a non-empty string');
    }
  }
  if (key === undefined) return undefined;
  return { key: `${name}:${key}`, ttl: options.uniqueTtl ?? taskOptions.unique?.ttl ?? DEFAULT_UNIQUE_TTL };
}

function concurrencyKey(name: string, taskOptions: TaskOptions, args: unknown[], options: SendOptions): ConcurrencyKey | undefined {
  let key = options.concurrencyKey;
  const declared = taskOptions.concurrency;
  if (key === undefined && declared?.key) {
    try {
      key = declared.key(...args);
    } catch (error) {
      throw new TaskConfigError(`@Task(${name}).concurrency.key`, args, `a function that returns a key for these arguments (it threw ${String(error)})`);
    }
    if (typeof key !== 'string' || key === '' || key.length > MAX_CONCURRENCY_KEY_LENGTH) {
      throw new TaskConfigError(`@Task(${name}).concurrency.key`, key, `a function returning a non-empty string of at most ${MAX_CONCURRENCY_KEY_LENGTH} characters`);
    }
  }
  if (key === undefined) {
    if (options.concurrencyLimit !== undefined) {
      throw new TaskConfigError('concurrencyLimit', options.concurrencyLimit, `a concurrencyKey with it (${name} has no concurrency.key)`);
    }
    return undefined;
  }
  const limit = options.concurrencyLimit ?? declared?.limit;
  if (limit === undefined) {
    throw new TaskConfigError('concurrencyKey', key, `a limit: declare @Task({ concurrency: { limit } }) on ${name}, or pass concurrencyLimit with the call`);
  }
  return { key, limit };
}

function trimTrailingUndefined(args: readonly unknown[]): unknown[] {
  let end = args.length;
  while (end > 0 && args[end - 1] === undefined) end--;
  return args.slice(0, end);
}
