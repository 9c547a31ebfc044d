import type { CanvasStore } from './canvas-store';
import type { ControlBus } from './control-bus';
import type { MessageQueue } from './message-queue';
import type { MonitoringStore, MonitoringStoreOptions } from './monitoring-store';
import type { RateLimiter } from './rate-limiter';
import type { ResultStore } from './result-store';
import type { ScheduleStore } from './schedule-store';

export type { ControlMessage } from './control-bus';
export type { DeadLetter, DebounceWindow, HeldLease, PublishRequest, ReservedMessage, ReserveResult, SettleOp } from './message-queue';
export type { RateTicket } from './rate-limiter';

/**
 * One backend: a transport (Redis, memory) and every role the library needs of it.
 * The Redis broker is the product; the memory broker serves one process. Nothing
 * outside a backend's folder knows which one it has.
 */
export interface Broker extends MessageQueue, ResultStore, ControlBus, RateLimiter {
  /** Safe to print: the address without credentials. */
  readonly description: string;
  connect(): Promise<void>;
  close(): Promise<void>;

  /** Chord counters of workflows, on this backend (one per broker). */
  canvasStore(): CanvasStore;
  /** Schedules, their state and the beat leader lease, on this backend (one per broker). */
  scheduleStore(): ScheduleStore;
  /** Opens a monitoring store on this backend; its owner closes it. */
  openMonitoringStore(options: MonitoringStoreOptions): MonitoringStore;
}
