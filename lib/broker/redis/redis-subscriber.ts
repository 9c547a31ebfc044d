import { duplicateClient, type RedisClient } from './redis-client';

/**
 * The backend's one pub/sub connection, made when first needed: control messages and
 * result announcements arrive here and go to the handler of their channel. After a
 * reconnect, `onReconnect` listeners catch up on what pub/sub may have missed.
 */
export class RedisSubscriber {
  private connection?: Promise<RedisClient>;
  private readonly handlers = new Map<string, (message: string) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly commands: RedisClient,
    private readonly watch: (connection: RedisClient, role: string) => void,
  ) {}

  /** Subscribes `handler` to `channel` (one handler per channel); resolves once Redis confirmed it. */
  async subscribe(channel: string, handler: (message: string) => void): Promise<void> {
    const subscriber = await this.connect();
    this.handlers.set(channel, handler);
    await subscriber.subscribe(channel);
  }

  unsubscribe(channel: string): void {
    this.handlers.delete(channel);
    if (this.closed || !this.connection) return;
    this.connection.then((subscriber) => subscriber.unsubscribe(channel)).catch(() => undefined);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.add(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    const subscriber = await connection?.catch(() => undefined);
    if (!subscriber) return;
    // QUIT waits in the offline queue while Redis is away: only a ready connection says goodbye.
    if (subscriber.status === 'ready') await subscriber.quit().catch(() => undefined);
    if (subscriber.status !== 'end') subscriber.disconnect();
  }

  private connect(): Promise<RedisClient> {
    this.connection ??= (async () => {
      const subscriber = duplicateClient(this.commands);
      this.watch(subscriber, 'pub/sub');
      subscriber.on('message', (channel: string, message: string) => this.handlers.get(channel)?.(message));
      let connected = false;
      subscriber.on('ready', () => {
        if (!connected) return;
        for (const listener of this.reconnectListeners) listener();
      });
      try {
        await subscriber.connect();
      } catch (error) {
        // Not kept: the next caller tries a new connection once Redis is back.
        this.connection = undefined;
        subscriber.disconnect();
        throw error;
      }
      connected = true;
      return subscriber;
    })();
    return this.connection;
  }
}
