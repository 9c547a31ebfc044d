import { Injectable, Logger } from '@nestjs/common';
import type { RemoteReply } from '../../broker/ports/control-protocol';
import type { WorkerStats } from '../workers/control-responder';
import { RemoteCaller, type RemoteCallOptions } from './remote-caller';

/** A task a worker holds, as `active` / `reserved` report it. */
export interface HeldTask {
  id: string;
  task: string;
  queue: string;
  args: unknown[];
  retries?: number;
  delivery?: number;
  startedAt?: number;
}

/** Worker id -> its answer. */
export type Replies<T> = Record<string, T>;

/**
 * Asks the running workers what they are doing, like `celery inspect`. Every method
 * resolves with the answers of the workers that replied in time, by worker id.
 */
@Injectable()
export class TaskInspector {
  private readonly logger = new Logger('TaskInspector');

  constructor(private readonly caller: RemoteCaller) {}

  /** `{ [worker]: 'pong' }` for every live worker. */
  ping(options?: RemoteCallOptions): Promise<Replies<'pong'>> {
    return this.ask('ping', options);
  }

  /** Tasks running now. */
  active(options?: RemoteCallOptions): Promise<Replies<HeldTask[]>> {
    return this.ask('active', options);
  }

  /** Tasks fetched and waiting for a free slot. */
  reserved(options?: RemoteCallOptions): Promise<Replies<HeldTask[]>> {
    return this.ask('reserved', options);
  }

  /** Names of the tasks each worker can run. */
  registered(options?: RemoteCallOptions): Promise<Replies<string[]>> {
    return this.ask('registered', options);
  }

  /** Counters, uptime, pid, host, concurrency, memory. */
  stats(options?: RemoteCallOptions): Promise<Replies<WorkerStats>> {
    return this.ask('stats', options);
  }

  private async ask<T>(command: 'ping' | 'active' | 'reserved' | 'registered' | 'stats', options?: RemoteCallOptions): Promise<Replies<T>> {
    const out: Replies<T> = {};
    for (const reply of await this.caller.call(command, undefined, options)) {
      if (reply.ok) out[reply.worker] = reply.value as T;
      else this.logger.warn(`${reply.worker} could not answer ${command}: ${describe(reply)}`);
    }
    return out;
  }
}

export function describe(reply: RemoteReply): string {
  return reply.error ? `${reply.error.name}: ${reply.error.message}` : 'no reason given';
}
