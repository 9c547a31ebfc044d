import { mastersOf } from './cluster/masters-of';
import { isCluster, type RedisClient } from './redis-client';
import type { RedisKeys } from './redis-keys';
import { ScriptRunner } from './script-runner';
import type { ScriptName } from './scripts';

interface Corkable {
  cork(): void;
  uncork(): void;
}

function isCorkable(stream: unknown): stream is Corkable {
  return typeof stream === 'object' && stream !== null && typeof Reflect.get(stream, 'cork') === 'function' && typeof Reflect.get(stream, 'uncork') === 'function';
}

/**
 * The command connection of the Redis backend, shared by its roles. Every command of
 * one tick leaves in one socket write (the socket is corked until the next tick), the
 * round trips overlapping like a pipeline without one.
 */
export class RedisCommands {
  readonly scripts: ScriptRunner;
  /** A Redis Cluster: a command's keys must share a slot (see cluster/key-slot.ts). */
  readonly cluster: boolean;
  private corked = false;

  constructor(
    readonly redis: RedisClient,
    readonly keys: RedisKeys,
    /** Reports the errors of a connection the backend made (logged, rate-limited). */
    readonly watch: (connection: RedisClient, role: string) => void = () => undefined,
  ) {
    this.scripts = new ScriptRunner(redis);
    this.cluster = isCluster(redis);
  }

  send<T = unknown>(issue: (redis: RedisClient) => Promise<T>): Promise<T> {
    if (!this.corked) this.cork();
    return issue(this.redis);
  }

  /** Corks the socket (each master's, on a Cluster) until the next tick. */
  private cork(): void {
    const connections = isCluster(this.redis) ? this.redis.nodes('master') : this.redis.status === 'ready' ? [this.redis] : [];
    const sockets: Corkable[] = [];
    for (const connection of connections) {
      if (connection.status !== 'ready') continue;
      const socket: unknown = Reflect.get(connection, 'stream');
      if (isCorkable(socket)) {
        socket.cork();
        sockets.push(socket);
      }
    }
    if (sockets.length === 0) return;
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      for (const socket of sockets) socket.uncork();
    });
  }

  /**
   * PUBLISH. On a Cluster every message of a channel goes through the master of the
   * channel's slot: messages published on different nodes reach a subscriber over
   * different links, and would overtake each other.
   */
  publish(channel: string, message: string): Promise<number> {
    if (!this.cluster) return this.send((r) => r.publish(channel, message));
    return mastersOf(this.redis, [channel])[0].publish(channel, message);
  }

  /** Runs a script with these KEYS and ARGV, in this tick's write. */
  call(name: ScriptName, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    return this.send(() => this.scripts.run(name, keys, args));
  }

  /** Runs a queue script: the queue's keys (scripts/includes/queue-helpers.lua), then `extraKeys`. */
  queueScript(name: ScriptName, queue: string, args: ReadonlyArray<string | number>, extraKeys: readonly string[] = []): Promise<unknown> {
    return this.call(name, extraKeys.length > 0 ? [...this.keys.queue(queue).list, ...extraKeys] : this.keys.queue(queue).list, args);
  }
}
