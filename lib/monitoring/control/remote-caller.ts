import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Broker } from '../../broker/ports/broker';
import { DEFAULT_CONTROL_TIMEOUT, TASK_BROKER, TASK_MONITORING_STORE } from '../../constants';
import { TaskConfigError } from '../../errors';
import { assertDuration } from '../../utils/validate';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import { REMOTE_REQUEST_TYPE, type RemoteCommand, type RemoteReply, type RemoteRequest } from '../../broker/ports/control-protocol';

/** Options of every remote-control call. */
export interface RemoteCallOptions {
  /** How long to wait for replies, ms. Default 2000; the call ends sooner once every live worker answered. */
  timeout?: number;
  /** Only these workers (ids) answer. Default: all. */
  destination?: string | string[];
  /** Told of each reply: how many answered, how many are expected. */
  onProgress?: (replied: number, expected: number) => void;
}

interface Pending {
  replies: RemoteReply[];
  expected: Set<string>;
  done: () => void;
  onProgress?: RemoteCallOptions['onProgress'];
}

/**
 * Sends a remote-control request to the workers over the broker's control channel
 * and gathers their replies on this process's reply channel. It knows which workers
 * are alive (their heartbeats), so it stops waiting as soon as they all answered.
 */
@Injectable()
export class RemoteCaller implements OnApplicationShutdown {
  private readonly pending = new Map<string, Pending>();

  constructor(
    @Inject(TASK_BROKER) private readonly broker: Broker,
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
  ) {}

  async call(command: RemoteCommand, args: Record<string, unknown> | undefined, options: RemoteCallOptions = {}): Promise<RemoteReply[]> {
    const { timeout = DEFAULT_CONTROL_TIMEOUT, onProgress } = validate(options);
    const destination = options.destination === undefined ? undefined : ([] as string[]).concat(options.destination);
    const replyTo = await this.backend.replies.listen((reply) => this.receive(reply));
    const live = (await this.backend.workers.list()).filter((w) => w.status === 'online').map((w) => w.id);
    const expected = new Set(destination ? live.filter((id) => destination.includes(id)) : live);
    const request: RemoteRequest = { type: REMOTE_REQUEST_TYPE, id: randomUUID(), command, replyTo };
    if (args) request.args = args;
    if (destination) request.destination = destination;

    const replies: RemoteReply[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((resolve) => {
      this.pending.set(request.id, { replies, expected, done: resolve, onProgress });
      timer = setTimeout(resolve, timeout);
    });
    try {
      onProgress?.(0, expected.size);
      await this.broker.broadcast({ ...request });
      await finished;
    } finally {
      clearTimeout(timer);
      this.pending.delete(request.id);
    }
    return replies;
  }

  async onApplicationShutdown(): Promise<void> {
    for (const pending of this.pending.values()) pending.done();
  }

  private receive(reply: RemoteReply): void {
    const pending = this.pending.get(reply.requestId);
    if (!pending || pending.replies.some((r) => r.worker === reply.worker)) return;
    pending.replies.push(reply);
    pending.expected.delete(reply.worker);
    const expected = pending.replies.length + pending.expected.size;
    pending.onProgress?.(pending.replies.length, expected);
    if (pending.expected.size === 0 && pending.replies.length > 0) pending.done();
  }
}

function validate(options: RemoteCallOptions): RemoteCallOptions {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('options', options, 'an options object');
  assertDuration('timeout', options.timeout, 1);
  const { destination } = options;
  if (destination !== undefined && !(typeof destination === 'string' || (Array.isArray(destination) && destination.every((d) => typeof d === 'string')))) {
    throw new TaskConfigError('destination', destination, 'a worker id or an array of worker ids');
  }
  return options;
}
