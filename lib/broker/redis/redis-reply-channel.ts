import { randomBytes } from 'node:crypto';
import { mastersOf } from './cluster/masters-of';
import { duplicateClient, type RedisClient } from './redis-client';
import type { RedisKeys } from './redis-keys';
import { isRemoteReply, type RemoteReply } from '../ports/control-protocol';
import type { ReplyChannel } from '../ports/reply-channel';

/** Replies over pub/sub: each asking process subscribes to a channel of its own. */
export class RedisReplyChannel implements ReplyChannel {
  private subscriber?: RedisClient;
  private listening?: Promise<string>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    private readonly watch: (connection: RedisClient, role: string) => void,
  ) {}

  listen(onReply: (reply: RemoteReply) => void): Promise<string> {
    this.listening ??= (async () => {
      const channel = this.keys.replyChannel(randomBytes(8).toString('hex'));
      const subscriber = duplicateClient(this.redis);
      this.watch(subscriber, 'reply');
      subscriber.on('message', (from: string, json: string) => {
        if (from !== channel) return;
        try {
          const reply = JSON.parse(json) as unknown;
          if (isRemoteReply(reply)) onReply(reply);
        } catch {
          // not a reply
        }
      });
      this.subscriber = subscriber;
      try {
        await subscriber.connect();
        await subscriber.subscribe(channel);
      } catch (error) {
        // Not kept: the next call tries a new connection once Redis is back.
        this.listening = undefined;
        this.subscriber = undefined;
        subscriber.disconnect();
        throw error;
      }
      return channel;
    })();
    return this.listening;
  }

  async send(replyTo: string, reply: RemoteReply): Promise<void> {
    // Only answer on our own namespace's reply channels.
    if (!replyTo.startsWith(this.keys.replyChannel(''))) return;
    // On a Cluster through the channel's master, as the control bus does: replies keep their order.
    await mastersOf(this.redis, [replyTo])[0].publish(replyTo, JSON.stringify(reply));
  }

  async close(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.listening = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
