import { DEFAULT_EVENTS_MAX_LEN, DEFAULT_HEARTBEAT_INTERVAL } from '../constants';
import { TaskConfigError } from '../errors';
import { assertDuration, assertInteger } from '../utils/validate';

/** `TaskModule.forRoot({ events: { maxLen } })`. */
export interface EventStreamOptions {
  /** Entries kept in the capped stream (approximately: `XADD MAXLEN ~`). Default 10 000. */
  maxLen?: number;
}

declare module '../module/task-module-options.interface' {
  interface TaskModuleOptions {
    /**
     * Publish task and worker events to a capped Redis stream (`<prefix>:events`), read
     * by the dashboard (timeline, live feed, rates) and the metrics. Default false: they
     * cost about 10% more CPU per no-op task in the worker and half again in Redis
     * (bench/events-cost.ts), like Celery's `-E`.
     */
    events?: boolean | EventStreamOptions;
    /** How often a worker writes its heartbeat, ms. Default 5000; a worker is lost after 3 missed. */
    heartbeatInterval?: number;
  }
}

/** The monitoring part of the module's options, validated, with defaults. */
export interface MonitoringConfig {
  readonly events: boolean;
  readonly eventsMaxLen: number;
  readonly heartbeatInterval: number;
}

export function resolveMonitoringConfig(options: { events?: unknown; heartbeatInterval?: unknown } = {}): MonitoringConfig {
  const { events = false, heartbeatInterval } = options ?? {};
  let eventsMaxLen = DEFAULT_EVENTS_MAX_LEN;
  if (typeof events === 'object' && events !== null && !Array.isArray(events)) {
    const { maxLen } = events as EventStreamOptions;
    assertInteger('events.maxLen', maxLen, 100);
    eventsMaxLen = maxLen ?? DEFAULT_EVENTS_MAX_LEN;
  } else if (typeof events !== 'boolean') {
    throw new TaskConfigError('events', events, 'true, false or { maxLen }');
  }
  assertDuration('heartbeatInterval', heartbeatInterval, 100);
  return {
    events: events !== false,
    eventsMaxLen,
    heartbeatInterval: (heartbeatInterval as number | undefined) ?? DEFAULT_HEARTBEAT_INTERVAL,
  };
}
