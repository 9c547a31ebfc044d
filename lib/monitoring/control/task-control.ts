import { Inject, Injectable } from '@nestjs/common';
import type { Broker } from '../../broker/ports/broker';
import { updateRateLimit } from '../../client/update-rate-limit';
import { TASK_BROKER } from '../../constants';
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
    @Inject(TASK_BROKER) private readonly broker: Broker,
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
    await updateRateLimit(this.broker, task, rate);
    return this.answers(await this.caller.call('setRateLimit', { task, rate }, options));
  }

  private answers(replies: Awaited<ReturnType<RemoteCaller['call']>>): Record<string, ControlAnswer> {
    const out: Record<string, ControlAnswer> = {};
    for (const reply of replies) out[reply.worker] = reply.ok ? { ok: true } : { ok: false, error: describe(reply) };
    return out;
  }
}
