import type { ControlBus, ControlMessage } from '../ports/control-bus';
import type { RedisCommands } from './redis-commands';
import type { RedisSubscriber } from './redis-subscriber';

/** Control messages on one pub/sub channel of the namespace; revoked ids in a sorted set. */
export class RedisControlBus implements ControlBus {
  private readonly listeners = new Set<(message: ControlMessage) => void>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly subscriber: RedisSubscriber,
  ) {
    // Control messages may have been missed while disconnected: listeners reload what they keep.
    subscriber.onReconnect(() => {
      if (this.listeners.size > 0) this.dispatch(JSON.stringify({ type: 'resync' }));
    });
  }

  async broadcast(message: ControlMessage): Promise<void> {
    await this.commands.publish(this.commands.keys.control, JSON.stringify(message));
  }

  async onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void> {
    const channel = this.commands.keys.control;
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      try {
        await this.subscriber.subscribe(channel, (json) => this.dispatch(json));
      } catch (error) {
        this.listeners.delete(listener);
        throw error;
      }
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.subscriber.unsubscribe(channel);
    };
  }

  async rememberRevoked(ids: string[], until: number): Promise<void> {
    if (ids.length === 0) return;
    const { keys } = this.commands;
    const args: Array<string | number> = [];
    for (const id of ids) args.push(until, id);
    await Promise.all([
      this.commands.send((r) => r.zadd(keys.revoked, ...args)),
      this.commands.send((r) => r.zremrangebyscore(keys.revoked, '-inf', Date.now())),
    ]);
  }

  async revokedIds(): Promise<string[]> {
    return this.commands.send<string[]>((r) => r.zrangebyscore(this.commands.keys.revoked, Date.now(), '+inf'));
  }

  private dispatch(json: string): void {
    const message = parseControl(json);
    if (!message) return;
    for (const listener of this.listeners) {
      try {
        listener(message);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}

function parseControl(json: string): ControlMessage | null {
  try {
    const message = JSON.parse(json) as ControlMessage;
    return message && typeof message === 'object' && typeof message.type === 'string' ? message : null;
  } catch {
    return null;
  }
}
