import { randomBytes } from 'node:crypto';
import { parseRate } from '../../utils/rate-limit';
import type { RateLimiter, RateTicket } from '../ports/rate-limiter';
import type { RedisCommands } from './redis-commands';

/** Waiting messages one rate-release.lua call takes at most: a short script however many wait. */
export const RATE_RELEASE_CHUNK = 1000;

/** Global rate limits as start slots in Redis, shared by every worker of the namespace. */
export class RedisRateLimiter implements RateLimiter {
  constructor(private readonly commands: RedisCommands) {}

  async acquireRateSlot(task: string, intervalMs: number, ticket?: RateTicket): Promise<{ wait: number; ticket?: RateTicket }> {
    const reply = (await this.commands.call('ntRateLimit', [this.commands.keys.rate(task)], [intervalMs, ticket?.slot ?? 0, ticket?.issued ?? 0])) as number[];
    const wait = Number(reply[0]);
    return wait > 0 ? { wait, ticket: { slot: Number(reply[1]), issued: Number(reply[2]) } } : { wait: 0 };
  }

  async setRateLimit(task: string, rate: string | null): Promise<void> {
    const { keys } = this.commands;
    const parsed = rate === null ? null : parseRate(rate, `setRateLimit(${task})`);
    // The override and the new spacing together: one script.
    const changed = Number(await this.commands.call('ntRateReset', [keys.rate(task), keys.rateLimits], [parsed ? parsed.intervalMs / parsed.count : 0, task, rate ?? '']));
    // Messages waiting for a slot under the old rate come back now and take new slots.
    const queues = await this.commands.send<string[]>((r) => r.smembers(keys.queues));
    await Promise.all(queues.map((queue) => this.release(queue, task, changed)));
  }

  /** Brings the messages of `task` that waited in `queue` at the change back, a chunk per script call. */
  private async release(queue: string, task: string, changed: number): Promise<void> {
    const { keys } = this.commands;
    const indexes = [keys.rateWaiting(queue, task), keys.rateChanges(queue), keys.rateReleasing(queue, task, randomBytes(6).toString('base64url'))];
    for (let first = 1; ; first = 0) {
      const reply = (await this.commands.queueScript('ntRateRelease', queue, [Date.now(), changed, task, first, RATE_RELEASE_CHUNK], indexes)) as number[];
      if (Number(reply[1]) === 0) return;
    }
  }

  async rateLimits(): Promise<Record<string, string>> {
    return this.commands.send<Record<string, string>>((r) => r.hgetall(this.commands.keys.rateLimits));
  }
}
