/**
 * Internals for the library's own tests, benchmarks and tools: not the public API,
 * and free to change in any release. Applications import from 'nestjs-tasks'.
 */
export * from './index';
export { TASK_BROKER, TASK_CONFIG, TASK_MONITORING_STORE, TASK_SCHEDULE_STORE } from './constants';
export { getTaskMetadata } from './decorators/task.decorator';
export { getPeriodicMetadata } from './decorators/periodic.decorator';
export { TaskExecutor } from './execution/task-executor';
export { TaskHooks } from './execution/task-hooks';
export type { OutcomeHook, BeforeRunHook, WorkerLifecycleHook, WorkerInfo } from './execution/task-hooks';
export type { ExecutionOutcome } from './execution/execution-outcome';
export { TaskEventBus } from './events/task-event-bus';
export { TaskTelemetry } from './telemetry/task-telemetry';
export { TaskRegistry } from './registry/task-registry';
export type { TaskDefinition } from './registry/task-definition';
export type { ResultRecord, ResultWrite } from './serialization/result-record';
export type { TaskMessage } from './serialization/task-message';
export type { Broker, ControlMessage, DeadLetter, PublishRequest, ReservedMessage, ReserveResult, SettleOp } from './broker/ports/broker';
export { createBroker } from './broker/create-broker';
export { RedisBroker } from './broker/redis/redis-broker';
export type { RedisClient } from './broker/redis/redis-client';
export { MemoryBroker } from './broker/memory/memory-broker';
export { TaskDispatcher } from './dispatch/task-dispatcher';
export { WorkflowEngine } from './canvas/workflow-engine';
export { WorkflowHooks } from './canvas/workflow-hooks';
