import { Inject, Injectable } from '@nestjs/common';
import type { Broker } from '../broker/ports/broker';
import type { TaskArgs, TaskClass, TaskMethodName } from '../client/task-types';
import type { TaskConfig } from '../config/task-config';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import { getTaskMetadata } from '../decorators/task.decorator';
import { EagerRunner } from '../dispatch/eager-runner';
import type { BuiltMessage } from '../dispatch/message-builder';
import type { RecordingSink } from '../dispatch/recording-sink';
import { TaskNotDecoratedError, TaskRecordingError } from '../errors';
import { TaskEventBus } from '../events/task-event-bus';
import { OutcomeSettler } from '../execution/outcome-settler';
import { TaskExecutor } from '../execution/task-executor';
import { decodeMessage, type StoredAt, type TaskMessage } from '../serialization/task-message';

/** A task enqueued in recording mode, as a worker would receive it (after the JSON trip). */
export interface RecordedTask {
  id: string;
  /** The task's name, `Class.method` unless pinned. */
  name: string;
  args: unknown[];
  queue: string;
  priority?: number;
  /** When it was due (countdown / eta), ms timestamp; `drain()` runs it at once. */
  eta?: number;
  expires?: number;
  /** It carries workflow callbacks (a chain's next steps, a chord, link / linkError). */
  workflow: boolean;
}

export interface DrainOptions {
  /** Most tasks one drain runs (those enqueued while draining count) before it throws. Default 10,000. */
  max?: number;
}

interface Kept {
  task: RecordedTask;
  body: string;
  at: StoredAt;
}

/**
 * Recording mode, like Sidekiq's fake mode or Laravel's `Queue::fake()`: every task
 * the app enqueues (`delay`, `applyAsync`, `send`, `delayMany`, a workflow's first
 * steps, the scheduler) is kept here instead of being published. A test reads them
 * with `enqueued(Class, 'method')`, runs them with `drain()` and forgets them with `clear()`.
 *
 * Get it with `moduleRef.get(TaskRecorder)` in an app made by `TaskTesting.record(...)`.
 */
@Injectable()
export class TaskRecorder implements RecordingSink {
  private kept: Kept[] = [];
  private readonly runner: EagerRunner;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) broker: Broker,
    executor: TaskExecutor,
    events: TaskEventBus,
  ) {
    this.runner = new EagerRunner(executor, new OutcomeSettler(executor, events, config.resultExpires), broker);
  }

  /** Called by the dispatcher in recording mode. */
  keep(built: readonly BuiltMessage[]): void {
    for (const { body, message } of built) this.kept.push({ task: toRecorded(decodeMessage(body, message)), body, at: { id: message.id, queue: message.queue } });
  }

  /** Whether this app records (`record: true`, as `TaskTesting.record` sets). */
  get active(): boolean {
    return this.config.record;
  }

  /** The arguments of each recorded, not yet drained call of `Class.method`, in order. */
  enqueued<T, K extends TaskMethodName<T>>(cls: TaskClass<T>, method: K): Array<TaskArgs<T, K>> {
    return this.byName(taskName(cls, String(method))) as Array<TaskArgs<T, K>>;
  }

  /** The arguments of each recorded, not yet drained task of this name, in order. */
  byName(name: string): unknown[][] {
    return this.all()
      .filter((task) => task.name === name)
      .map((task) => task.args);
  }

  /** Every recorded, not yet drained task, in the order it was enqueued. */
  all(): RecordedTask[] {
    this.assertActive();
    return this.kept.map(({ task }) => ({ ...task, args: structuredClone(task.args) }));
  }

  /** How many tasks are recorded and not yet drained. */
  get size(): number {
    return this.kept.length;
  }

  /**
   * Runs what is recorded, first in first out, as eager mode does (through the
   * executor, with retries inline and results stored), including the tasks those
   * tasks enqueue and a workflow's next steps, until nothing is left. Returns what ran.
   */
  async drain(options: DrainOptions = {}): Promise<RecordedTask[]> {
    this.assertActive();
    const max = options.max ?? 10_000;
    const ran: RecordedTask[] = [];
    for (let next = this.kept.shift(); next; next = this.kept.shift()) {
      if (ran.length >= max) {
        this.kept.unshift(next);
        throw new TaskRecordingError(`drain() ran ${max} tasks and more keep coming (does a task enqueue itself?); raise { max } if that is expected`);
      }
      ran.push(next.task);
      await this.runner.run(next.body, next.at);
    }
    return ran;
  }

  /** Forgets what is recorded (between tests). */
  clear(): void {
    this.kept = [];
  }

  private assertActive(): void {
    if (!this.config.record) {
      throw new TaskRecordingError('TaskRecorder: recording mode is off; build the app with TaskTesting.record(Test.createTestingModule(...)) or TaskModule.forRoot({ record: true })');
    }
  }
}

function taskName(cls: unknown, method: string): string {
  const target = typeof cls === 'function' ? (cls.prototype as Record<string, unknown> | undefined)?.[method] : undefined;
  const metadata = typeof target === 'function' ? getTaskMetadata(target) : undefined;
  if (!metadata) throw new TaskNotDecoratedError(typeof cls === 'function' ? cls.name : String(cls), method);
  return metadata.name;
}

function toRecorded(message: TaskMessage): RecordedTask {
  const task: RecordedTask = {
    id: message.id,
    name: message.task,
    args: message.args,
    queue: message.queue,
    workflow: message.link !== undefined || message.linkError !== undefined || message.chain !== undefined || message.chord !== undefined,
  };
  if (message.priority !== undefined) task.priority = message.priority;
  if (message.eta !== undefined) task.eta = message.eta;
  if (message.expires !== undefined) task.expires = message.expires;
  return task;
}
