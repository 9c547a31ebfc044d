import type { RemoteReply } from '../ports/control-protocol';
import type { ReplyChannel } from '../ports/reply-channel';

const CHANNEL = 'memory:replies';

/** Replies within one process (memory broker). */
export class MemoryReplyChannel implements ReplyChannel {
  private listener?: (reply: RemoteReply) => void;

  async listen(onReply: (reply: RemoteReply) => void): Promise<string> {
    this.listener = onReply;
    return CHANNEL;
  }

  async send(replyTo: string, reply: RemoteReply): Promise<void> {
    if (replyTo !== CHANNEL) return;
    const copy = JSON.parse(JSON.stringify(reply)) as RemoteReply;
    queueMicrotask(() => this.listener?.(copy));
  }

  async close(): Promise<void> {
    this.listener = undefined;
  }
}
