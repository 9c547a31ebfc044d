/**
 * Names from the OpenTelemetry messaging semantic conventions
 * (https://opentelemetry.io/docs/specs/semconv/messaging/), spelled out here
 * rather than imported, so that no package beyond `@opentelemetry/api` is needed.
 */
export const ATTR = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destinationName: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  clientId: 'messaging.client.id',
  errorType: 'error.type',
  // The library's own, under its namespace.
  taskName: 'nestjs_tasks.task.name',
  taskRetries: 'nestjs_tasks.task.retries',
  taskOutcome: 'nestjs_tasks.task.outcome',
  schedule: 'nestjs_tasks.schedule.name',
  queueState: 'nestjs_tasks.queue.state',
} as const;

/** `messaging.system`: not one of the convention's well-known values, so the library's own name. */
export const MESSAGING_SYSTEM = 'nestjs-tasks';

export const METRIC = {
  processDuration: 'messaging.process.duration',
  sentMessages: 'messaging.client.sent.messages',
  consumedMessages: 'messaging.client.consumed.messages',
} as const;

/** The name tracers and meters are got under. */
export const INSTRUMENTATION_SCOPE = 'nestjs-tasks';
