import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { TASK_MONITORING_STORE, TASK_MONITORING_CONFIG } from '../../constants';
import type { TaskEvent } from '../../serialization/task-event';
import { TaskEventBus } from '../../events/task-event-bus';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import type { MonitoringConfig } from '../../config/monitoring-options';
import { STATS_TTL_MS, updatesForEvents } from '../stats/chart-series';

const MAX_PENDING = 50_000;
const WARN_EVERY_MS = 30_000;
/** Events wait this long to travel with others (one write per interval, not per tick)... */
export const EVENT_FLUSH_DELAY_MS = 20;
/** ...unless this many are pending. */
const FLUSH_AT = 1000;

/**
 * Copies this process's task and worker events into the event store (the capped
 * stream), batched: the events of up to 20 ms (or 1,000 of them) travel in one write;
 * what they add to the per-minute chart numbers (outcomes, runtimes) goes with them.
 * Monitoring never gets in the way of work: when the store is slow or down,
 * events are dropped (with a warning now and then), never retried.
 */
@Injectable()
export class TaskEventPublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TaskEvents');
  private pending: TaskEvent[] = [];
  private flushing?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private dropped = 0;
  private lastWarning = 0;

  constructor(
    @Inject(TASK_MONITORING_CONFIG) private readonly config: MonitoringConfig,
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
    bus: TaskEventBus,
  ) {
    // Subscribed at construction: a worker may start (and emit) before the app's init.
    if (config.events) this.unsubscribe = bus.subscribe((event) => this.add(event));
  }

  get enabled(): boolean {
    return this.config.events;
  }

  /** Events lost so far (the store was down or too slow). */
  get droppedCount(): number {
    return this.dropped;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.flush();
  }

  /** Writes what is pending now (tests and shutdown). */
  async flush(): Promise<void> {
    while (this.flushing || this.pending.length > 0) {
      if (this.flushing) await this.flushing;
      else this.startFlush();
    }
  }

  private add(event: TaskEvent): void {
    if (this.pending.length >= MAX_PENDING) {
      this.dropped++;
      this.warn();
      return;
    }
    this.pending.push(event);
    if (this.flushing) return;
    if (this.pending.length >= FLUSH_AT) this.startFlush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.flushing) this.startFlush();
    }, EVENT_FLUSH_DELAY_MS);
  }

  private startFlush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const updates = updatesForEvents(batch);
    this.flushing = Promise.all([this.backend.events.append(batch), updates.length > 0 ? this.backend.stats.record(updates, STATS_TTL_MS) : undefined])
      .then(() => undefined)
      .catch((error: Error) => {
        this.dropped += batch.length;
        this.warn(error);
      })
      .finally(() => {
        this.flushing = undefined;
        if (this.pending.length >= FLUSH_AT) this.startFlush();
        else if (this.pending.length > 0) this.schedule();
      });
  }

  private warn(error?: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(`${this.dropped} event(s) dropped so far${error ? `: ${error.message}` : ' (the event store is too slow)'}`);
  }
}
