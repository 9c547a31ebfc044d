/** Metadata keys and injection tokens, all in one place. */
export const TASK_METADATA = 'nestjs-tasks:task';
export const TASK_BROKER = Symbol('nestjs-tasks:broker');
export const TASK_CONFIG = Symbol('nestjs-tasks:config');

export const DEFAULT_QUEUE = 'default';
export const DEFAULT_PREFIX = 'tasks';
export const DEFAULT_VISIBILITY_TIMEOUT = 30_000;
export const DEFAULT_RESULT_EXPIRES = 24 * 60 * 60 * 1000;
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
export const DEFAULT_CONCURRENCY = 10;
export const DEFAULT_SHUTDOWN_GRACE = 30_000;
export const MESSAGE_VERSION = 1;
