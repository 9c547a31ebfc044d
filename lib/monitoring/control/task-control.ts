import { Injectable } from '@nestjs/common';
import { TaskDispatcher } from '../../dispatch/task-dispatcher';
import { TaskConfigError } from '../../errors';
import { describe } from './task-inspector';
import { RemoteCaller, type RemoteCallOptions } from './remote-caller';

/** One worker's answer to a control command. */
export type ControlAnswer = { ok: true } | { ok: false; error: string };

/** Tells the running workers what to do, like `celery control`. */
@Injectable()
export class TaskControl {
  constructor(
    private readonly caller: RemoteCaller,
    private readonly dispatcher: TaskDispatcher,
  ) {}

  /** Workers stop fetching, finish their running tasks (shutdownGrace) and stop; `nest-tasks worker` exits. */
  async shutdown(options?: RemoteCallOptions): Promise<Record<string, ControlAnswer>> {
    return this.answers(await this.caller.call('shutdown', undefined, options));
  }

  /**
   * Changes a task's rate limit on every worker ('10/m'; null restores the decorator's).
   * The new rate is stored in the broker, so workers that start later use it too;
   * each live worker answers whether it runs that task.
   */
  async setRateLimit(task: string, rate: string | null, options?: RemoteCallOptions): Promise<Record<string, ControlAnswer>> {
    if (typeof task !== 'string' || task === '') throw new TaskConfigError('task', task, 'a task name');
    await this.dispatcher.setRateLimit(task, rate);
    return this.answers(await this.caller.call('setRateLimit', { task, rate }, options));
  }

  private answers(replies: Awaited<ReturnType<RemoteCaller['call']>>): Record<string, ControlAnswer> {
    const out: Record<string, ControlAnswer> = {};
    for (const reply of replies) out[reply.worker] = reply.ok ? { ok: true } : { ok: false, error: describe(reply) };
    return out;
  }
}
