/** Metadata keys and injection tokens, all in one place. */
export const TASK_METADATA = 'nestjs-tasks:task';
export const TASK_BROKER = Symbol('nestjs-tasks:broker');
export const TASK_CONFIG = Symbol('nestjs-tasks:config');

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_PREFIX = 'tasks';
export const DEFAULT_VISIBILITY_TIMEOUT = 30_000;
export const DEFAULT_RESULT_EXPIRES = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_MAX_RESULT_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_SHUTDOWN_GRACE = 30_000;
export const MESSAGE_VERSION = 1;
/** Highest `concurrency.limit` of a task (and `concurrencyLimit` of a call). */
export const MAX_CONCURRENCY_LIMIT = 100_000;
/** Longest concurrency key, characters (as unique and shard keys). */
export const MAX_CONCURRENCY_KEY_LENGTH = 500;

/** Periodic scheduling (beat). */
export const PERIODIC_METADATA = 'nestjs-tasks:periodic';
/** A `TaskClock` (`{ now(): number }`); override it in tests to move time by hand. */
export const TASK_CLOCK = Symbol('nestjs-tasks:clock');
/** Where schedules, their state and the leader lease live (Redis or memory). */
export const TASK_SCHEDULE_STORE = Symbol('nestjs-tasks:schedule-store');
export const DEFAULT_BEAT_LEADER_LEASE = 5000;
export const DEFAULT_BEAT_CHECK_INTERVAL = 1000;
export const DEFAULT_BEAT_MISFIRE_GRACE = 10_000;

/** Operations: events, remote control, heartbeats, dashboard, metrics (lib/monitoring, lib/dashboard). */
export const ON_TASK_EVENT_METADATA = 'nestjs-tasks:on-task-event';
export const TASK_MONITORING_CONFIG = Symbol('nestjs-tasks:monitoring-config');
export const TASK_MONITORING_STORE = Symbol('nestjs-tasks:monitoring-store');
export const TASK_DASHBOARD_OPTIONS = Symbol('nestjs-tasks:dashboard-options');
export const TASK_METRICS_OPTIONS = Symbol('nestjs-tasks:metrics-options');
export const DEFAULT_EVENTS_MAX_LEN = 10_000;
export const DEFAULT_HEARTBEAT_INTERVAL = 5000;
export const DEFAULT_CONTROL_TIMEOUT = 2000;

/** Testing: where the dispatcher hands messages in recording mode (the TaskRecorder). */
export const TASK_RECORDING = Symbol('nestjs-tasks:recording');

/** Debounce (lib/flow/debounce): a window's record outlives the time its run is due by this much, then expires. */
export const DEBOUNCE_RECORD_GRACE = 10 * 60 * 1000;
