import type { Logger } from '@nestjs/common';
import type { Broker, ControlMessage } from '../broker/ports/broker';
import { parseRate, type Rate } from '../utils/rate-limit';

/**
 * What a worker learns from the namespace's control channel: revoked ids (also
 * remembered in the broker for workers that start later), runtime rate limits,
 * and terminate requests. Reloads everything after a reconnect.
 */
export class WorkerControl {
  private readonly revoked = new Set<string>();
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
    return this.revoked.has(id);
  }

  /** The rate a task runs at: a runtime override, else its decorator's, else none. */
  rateFor(task: string, declared: string | undefined): Rate | null {
    const override = this.rateOverrides.get(task);
    if (override) return override;
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
        for (const id of ids) this.revoked.add(id);
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
      for (const id of revoked) this.revoked.add(id);
      this.rateOverrides.clear();
      for (const [task, rate] of Object.entries(rates)) this.applyRate(task, rate);
    } catch (error) {
      this.logger.warn(`Could not load revocations and rate limits: ${(error as Error).message}`);
    }
  }
}
