import { DEFAULT_EVENTS_MAX_LEN, DEFAULT_HEARTBEAT_INTERVAL } from '../constants';
import { TaskConfigError } from '../errors';
import { assertDuration, assertInteger } from '../utils/validate';

/** `TaskModule.forRoot({ events: { maxLen } })`. */
export interface EventStreamOptions {
  /** Entries kept in the capped stream (approximately: `XADD MAXLEN ~`). Default 10 000. */
  maxLen?: number;
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
