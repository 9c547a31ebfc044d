/** The Redis keys and channels of monitoring, next to the broker's under the same prefix. */
export class MonitoringKeys {
  constructor(readonly prefix: string) {}

  /** Capped stream of task and worker events. */
  get events(): string {
    return `${this.prefix}:events`;
  }

  /** Hash of worker id -> last heartbeat state (JSON). */
  get workers(): string {
    return `${this.prefix}:workers`;
  }

  /** A failed (or revoked) task's message, kept as long as its result, so it can be retried. */
  failedMessage(id: string): string {
    return `${this.prefix}:failed:${id}`;
  }

  /** Pub/sub channel on which one requester gathers remote-control replies. */
  replyChannel(token: string): string {
    return `${this.prefix}:reply:${token}`;
  }
}
