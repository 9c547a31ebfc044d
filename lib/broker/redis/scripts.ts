/** Keys every queue script takes, in the order of scripts/includes/queue-helpers.lua. */
export const QUEUE_KEY_COUNT = 10;

/**
 * Every Lua script of the Redis backend, by the command name it is defined under:
 * its file in scripts/ and how many KEYS it takes (`keys` absent: the count is passed
 * at each call).
 */
export const SCRIPTS = {
  ntPublish: { file: 'publish', keys: QUEUE_KEY_COUNT },
  ntPublishUnique: { file: 'publish-unique', keys: QUEUE_KEY_COUNT + 1 },
  ntReserve: { file: 'reserve', keys: QUEUE_KEY_COUNT },
  ntAck: { file: 'ack', keys: QUEUE_KEY_COUNT },
  ntRequeue: { file: 'requeue', keys: QUEUE_KEY_COUNT },
  ntDeadLetter: { file: 'dead-letter', keys: QUEUE_KEY_COUNT },
  ntExtendLeases: { file: 'extend-leases', keys: QUEUE_KEY_COUNT },
  ntCountLeased: { file: 'count-leased', keys: QUEUE_KEY_COUNT },
  ntRateLimit: { file: 'rate-limit', keys: 1 },
  ntRateReset: { file: 'rate-reset', keys: 2 },
  ntRateWait: { file: 'rate-wait', keys: QUEUE_KEY_COUNT + 2 },
  ntRateRelease: { file: 'rate-release', keys: QUEUE_KEY_COUNT + 3 },
  ntStoreResults: { file: 'store-results' },
  ntRevokeResults: { file: 'revoke-results' },
  ntCanvasChordPart: { file: 'canvas-chord-part', keys: 3 },
  ntCanvasChordFired: { file: 'canvas-chord-fired', keys: 3 },
  ntBeatElect: { file: 'scheduler-elect', keys: 1 },
  ntBeatResign: { file: 'scheduler-resign', keys: 1 },
  ntBeatClaim: { file: 'scheduler-claim', keys: 3 },
  ntBeatSave: { file: 'scheduler-save', keys: 3 },
  ntBeatRemove: { file: 'scheduler-remove', keys: 4 },
  ntBeatSwitch: { file: 'scheduler-switch', keys: 2 },
  ntAdminPurge: { file: 'admin-purge', keys: QUEUE_KEY_COUNT },
  ntAdminRequeueDead: { file: 'admin-requeue-dead', keys: QUEUE_KEY_COUNT },
  ntEventsAppend: { file: 'events-append', keys: 1 },
  ntCeleryReserve: { file: 'celery-reserve', keys: 6 },
  ntCeleryAck: { file: 'celery-ack' },
  ntCeleryRestore: { file: 'celery-restore', keys: 3 },
  ntCeleryDeadLetter: { file: 'celery-dead-letter', keys: 3 },
  ntCeleryStoreResults: { file: 'celery-store-results' },
  ntStatsRecord: { file: 'stats-record', keys: 1 },
  ntPublishDebounce: { file: 'publish-debounce', keys: QUEUE_KEY_COUNT + 1 },
} as const satisfies Record<string, { file: string; keys?: number }>;

export type ScriptName = keyof typeof SCRIPTS;
