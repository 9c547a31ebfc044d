import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { TASK_MONITORING_STORE } from '../../constants';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import type { StoredEvent } from '../../broker/ports/stored-event';

export type StoredEventListener = (events: StoredEvent[]) => void;

const BLOCK_MS = 2000;
const BATCH = 500;
const ERROR_PAUSE_MS = 1000;

/**
 * Follows the event stream of the whole namespace (every process), from the moment
 * the first listener subscribes, on one blocking connection shared by the dashboard's
 * live view and the metrics. Stops when the last listener leaves.
 */
@Injectable()
export class TaskEventTail implements OnApplicationShutdown {
  private readonly logger = new Logger('TaskEventTail');
  private readonly listeners = new Set<StoredEventListener>();
  private loop?: Promise<void>;
  /** Bumped on every start and stop: a loop of an older generation ends. */
  private generation = 0;
  private running = false;
  private ready?: Promise<void>;

  constructor(@Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore) {}

  /** Resolves once following (events written after this resolves are seen); returns the unsubscribe. */
  async subscribe(listener: StoredEventListener): Promise<() => void> {
    this.listeners.add(listener);
    if (!this.running) {
      this.running = true;
      const generation = ++this.generation;
      this.ready = this.backend.events.lastId().then(
        (from) => void (this.loop = this.follow(from, generation)),
        () => void (this.loop = this.follow('$', generation)),
      );
    }
    await this.ready;
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.stop();
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.listeners.clear();
    await this.stop();
  }

  private async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    const loop = this.loop;
    await this.backend.events.close();
    await loop;
  }

  private async follow(from: string, generation: number): Promise<void> {
    let after = from;
    while (this.generation === generation) {
      try {
        const events = await this.backend.events.readAfter(after, BATCH, BLOCK_MS);
        if (this.generation !== generation) return;
        if (events.length === 0) continue;
        after = events[events.length - 1].id;
        for (const listener of this.listeners) {
          try {
            listener(events);
          } catch (error) {
            this.logger.warn(`An event listener failed: ${(error as Error).message}`);
          }
        }
      } catch (error) {
        if (this.generation !== generation) return;
        this.logger.warn(`Reading events failed, retrying in ${ERROR_PAUSE_MS} ms: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, ERROR_PAUSE_MS));
      }
    }
  }
}
