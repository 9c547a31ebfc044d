import { Logger } from '@nestjs/common';
import type { Broker, ControlMessage } from '../../broker/ports/broker';
import { UnknownControlCommandError, UnknownTaskError } from '../../errors';
import type { TaskRegistry } from '../../registry/task-registry';
import { serializeError } from '../../serialization/error-serializer';
import type { TaskWorker } from '../../worker/task-worker';
import { isRemoteRequest, type RemoteReply, type RemoteRequest } from '../../broker/ports/control-protocol';
import type { ReplyChannel } from '../../broker/ports/reply-channel';
import { describeWorker } from './describe-worker';
import type { WorkerDescription } from '../../broker/ports/worker-state';

/** What `stats` answers. */
export interface WorkerStats extends WorkerDescription {
  uptime: number;
  node: string;
}

/**
 * Answers remote-control requests for one running worker. Bad requests are
 * answered with an error (or ignored when they cannot even be answered); they
 * never reach the worker.
 */
export class ControlResponder {
  private readonly logger = new Logger('TaskControl');
  private unsubscribe?: () => void;

  constructor(
    private readonly worker: TaskWorker,
    private readonly registry: TaskRegistry,
    private readonly broker: Broker,
    private readonly replies: ReplyChannel,
    private readonly onShutdown: () => Promise<void> | void,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.broker.onBroadcast((message) => this.receive(message));
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private receive(message: ControlMessage): void {
    if (!isRemoteRequest(message)) return;
    const { destination } = message;
    if (Array.isArray(destination) && !destination.includes(this.worker.id)) return;
    void this.answer(message);
  }

  private async answer(request: RemoteRequest): Promise<void> {
    const reply: RemoteReply = { requestId: request.id, worker: this.worker.id, ok: true };
    try {
      reply.value = this.run(request);
    } catch (error) {
      reply.ok = false;
      reply.value = undefined;
      reply.error = serializeError(error);
      delete reply.error.stack;
    }
    try {
      await this.replies.send(request.replyTo, reply);
    } catch (error) {
      this.logger.warn(`Could not answer ${request.command}: ${(error as Error).message}`);
    }
    if (request.command === 'shutdown' && reply.ok) {
      this.logger.log(`Shutdown requested remotely (request ${request.id})`);
      setImmediate(() => void Promise.resolve(this.onShutdown()).catch((error: Error) => this.logger.error(`Remote shutdown failed: ${error.message}`)));
    }
  }

  private run(request: RemoteRequest): unknown {
    switch (request.command) {
      case 'ping':
        return 'pong';
      case 'active':
        return this.worker.snapshot().running;
      case 'reserved':
        return this.worker.snapshot().reserved;
      case 'registered':
        return this.registry.names();
      case 'stats':
        return this.stats();
      case 'shutdown':
        return { ok: true };
      case 'setRateLimit': {
        const task = request.args?.task;
        if (typeof task !== 'string' || !this.registry.has(task)) throw new UnknownTaskError(String(task));
        return { task, rate: request.args?.rate ?? null };
      }
      default:
        throw new UnknownControlCommandError(request.command);
    }
  }

  private stats(): WorkerStats {
    const described = describeWorker(this.worker);
    return { ...described, uptime: Date.now() - described.startedAt, node: process.version };
  }

}
