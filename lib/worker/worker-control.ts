import type { Logger } from '@nestjs/common';
import type { Broker, ControlMessage } from '../broker/ports/broker';
import { parseRate, type Rate } from '../utils/rate-limit';

/**
 * What a worker learns from the namespace's control channel: revoked ids (also
 * remembered in the broker for workers that start later), runtime rate limits,
 * and terminate requests. Reloads everything after a reconnect.
 */
/** How long a revocation is kept when its message says nothing (as TaskDispatcher.revoke's default). */
const DEFAULT_REVOKE_MS = 24 * 60 * 60 * 1000;
/** Revocations kept at most; the oldest go first. */
const MAX_REVOKED = 100_000;
const SWEEP_EVERY_MS = 60_000;

export class WorkerControl {
  /** Revoked ids by the time they may be forgotten, oldest first. */
  private readonly revoked = new Map<string, number>();
  private lastSweep = Date.now();
  private readonly rateOverrides = new Map<string, Rate>();
  private readonly rateCache = new Map<string, Rate | null>();
  private unsubscribe?: () => void;

  constructor(
    private readonly broker: Broker,
    private readonly logger: Logger,
    private readonly onTerminate: (ids: string[]) => void,
    private readonly onOther: (message: ControlMessage) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    this.unsubscribe = await this.broker.onBroadcast((message) => this.handle(message));
    await this.reload();
  }

  stop(): void {
    this.unsubscribe?.();
  }

  isRevoked(id: string): boolean {
    const until = this.revoked.get(id);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.revoked.delete(id);
    return false;
  }

  /** Revocations held now. */
  get revokedCount(): number {
    return this.revoked.size;
  }

  /** Task rates parsed and kept. */
  get cachedRates(): number {
    return this.rateCache.size;
  }

  /** The rate a task runs at: a runtime override, else its decorator's, else none. */
  rateFor(task: string, declared: string | undefined): Rate | null {
    const override = this.rateOverrides.get(task);
    if (override) return override;
    // Only tasks that declare a rate are kept: names seen in messages are not bounded.
    if (!declared) return null;
    let rate = this.rateCache.get(task);
    if (rate === undefined) {
      rate = declared ? parseRate(declared) : null;
      this.rateCache.set(task, rate);
    }
    return rate;
  }

  private handle(message: ControlMessage): void {
    switch (message.type) {
      case 'revoke': {
        const ids = Array.isArray(message.ids) ? message.ids.filter((id): id is string => typeof id === 'string') : [];
        const until = typeof message.until === 'number' && Number.isFinite(message.until) ? message.until : Date.now() + DEFAULT_REVOKE_MS;
        this.remember(ids, until);
        if (message.terminate === true) this.onTerminate(ids);
        break;
      }
      case 'rate-limit':
        if (typeof message.task === 'string') this.applyRate(message.task, message.rate);
        break;
      case 'resync':
        void this.reload();
        break;
      default:
        this.onOther(message);
    }
  }

  private remember(ids: string[], until: number): void {
    for (const id of ids) {
      this.revoked.delete(id);
      this.revoked.set(id, until);
    }
    const now = Date.now();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      for (const [id, at] of this.revoked) if (at <= now) this.revoked.delete(id);
    }
    for (const id of this.revoked.keys()) {
      if (this.revoked.size <= MAX_REVOKED) break;
      this.revoked.delete(id);
    }
  }

  private applyRate(task: string, rate: unknown): void {
    try {
      if (rate === null) this.rateOverrides.delete(task);
      else this.rateOverrides.set(task, parseRate(rate));
    } catch (error) {
      this.logger.warn(`Ignoring rate limit for ${task}: ${(error as Error).message}`);
    }
  }

  private async reload(): Promise<void> {
    try {
      const [revoked, rates] = await Promise.all([this.broker.revokedIds(), this.broker.rateLimits()]);
      this.revoked.clear();
      this.remember(revoked, Date.now() + DEFAULT_REVOKE_MS);
      this.rateOverrides.clear();
      for (const [task, rate] of Object.entries(rates)) this.applyRate(task, rate);
    } catch (error) {
      this.logger.warn(`Could not load revocations and rate limits: ${(error as Error).message}`);
    }
  }
}
