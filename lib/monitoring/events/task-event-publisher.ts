import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { TASK_MONITORING_STORE, TASK_MONITORING_CONFIG } from '../../constants';
import type { TaskEvent } from '../../serialization/task-event';
import { TaskEventBus } from '../../events/task-event-bus';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import type { MonitoringConfig } from '../../config/monitoring-options';
import { STATS_TTL_MS, updatesForEvents } from '../stats/chart-series';

const MAX_PENDING = 50_000;
const WARN_EVERY_MS = 30_000;

/**
 * Copies this process's task and worker events into the event store (the capped
 * stream), batched: every event emitted in one tick travels in one pipeline; what
 * they add to the per-minute chart numbers (outcomes, runtimes) goes with them.
 * Monitoring never gets in the way of work: when the store is slow or down,
 * events are dropped (with a warning now and then), never retried.
 */
@Injectable()
export class TaskEventPublisher implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TaskEvents');
  private pending: TaskEvent[] = [];
  private flushing?: Promise<void>;
  private scheduled = false;
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
    if (!this.scheduled && !this.flushing) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        if (!this.flushing) this.startFlush();
      });
    }
  }

  private startFlush(): void {
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
        if (this.pending.length > 0 && !this.scheduled) this.startFlush();
      });
  }

  private warn(error?: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(`${this.dropped} event(s) dropped so far${error ? `: ${error.message}` : ' (the event store is too slow)'}`);
  }
}
