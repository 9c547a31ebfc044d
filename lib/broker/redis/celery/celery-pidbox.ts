import { encodeCeleryRevoke, parseCeleryRevoke, type CeleryRevoke } from '../../../serialization/celery/celery-control';
import type { RedisCommands } from '../redis-commands';
import type { RedisSubscriber } from '../redis-subscriber';

/**
 * Celery's remote control channel (`<keyPrefix>/<db>.celery.pidbox`, kombu's fanout): the
 * `revoke` commands of Python's `AsyncResult.revoke()` reach our workers' revoked sets, and
 * ours reach Celery's workers.
 */
export class CeleryPidbox {
  private readonly listeners = new Set<(revoke: CeleryRevoke) => void>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly subscriber: RedisSubscriber,
    readonly channel: string,
  ) {}

  /** Tells Celery's workers to revoke, as `app.control.revoke()` does. */
  async revoke(revoke: CeleryRevoke): Promise<void> {
    await this.commands.send((r) => r.publish(this.channel, encodeCeleryRevoke(revoke)));
  }

  async onRevoke(listener: (revoke: CeleryRevoke) => void): Promise<() => void> {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      try {
        await this.subscriber.subscribe(this.channel, (raw) => this.dispatch(raw));
      } catch (error) {
        this.listeners.delete(listener);
        throw error;
      }
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.subscriber.unsubscribe(this.channel);
    };
  }

  private dispatch(raw: string): void {
    const revoke = parseCeleryRevoke(raw);
    if (!revoke) return;
    for (const listener of this.listeners) {
      try {
        listener(revoke);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
