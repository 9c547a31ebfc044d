import type { EventStore } from './event-store';
import type { MinuteStatsStore } from './minute-stats';
import type { QueueAdmin } from './queue-admin';
import type { ReplyChannel } from './reply-channel';
import type { WorkerDirectory } from './worker-directory';

/** Where monitoring data lives, next to the broker's: queue admin, events, heartbeats, control replies. */
export interface MonitoringStore {
  readonly admin: QueueAdmin;
  readonly events: EventStore;
  readonly workers: WorkerDirectory;
  readonly replies: ReplyChannel;
  /** Per-minute aggregates for the dashboard's charts. */
  readonly stats: MinuteStatsStore;
  close(): Promise<void>;
}

/** What a backend needs to open a monitoring store. */
export interface MonitoringStoreOptions {
  /** Entries kept in the event stream. */
  eventsMaxLen: number;
}
