export { TaskModule } from './module/task.module';
export type { TaskModuleOptions, RouteOptions, BrokerOption } from './module/task-module-options.interface';
export type { TaskConfig } from './module/task-config';
export { TASK_MODULE_OPTIONS } from './module/task-module-definition';
export { TASK_BROKER, TASK_CONFIG } from './constants';

export { Task, getTaskMetadata } from './decorators/task.decorator';
export type { TaskMetadata } from './decorators/task.decorator';
export type { TaskOptions, TaskBehaviourOptions, ErrorClass, UniqueOptions } from './decorators/task-options.interface';

export { TaskClient } from './client/task-client';
export type { ApplyOptions } from './client/apply-options';
export type { TaskClass, TaskMethodName, TaskArgs, TaskReturn } from './client/task-types';

export { TaskWorker } from './worker/task-worker';
export type { WorkerStartOptions, QueueSpec } from './worker/worker-options';
export { TaskExecutor } from './worker/task-executor';
export { TaskHooks } from './worker/task-hooks';
export type { OutcomeHook, BeforeRunHook, WorkerLifecycleHook, WorkerInfo } from './worker/task-hooks';
export type { ExecutionOutcome } from './worker/execution-outcome';
export { TaskEventBus } from './events/task-event-bus';
export type { TaskEvent, TaskEventType } from './events/task-event';
export { TaskRegistry } from './registry/task-registry';
export type { TaskDefinition } from './registry/task-definition';

export { currentTask } from './context/task-context';
export type { TaskContext, RetryOptions } from './context/task-context';

export { AsyncResult } from './results/async-result';
export type { GetOptions } from './results/async-result';
export { TaskState } from './results/task-state';
export type { ResultRecord } from './results/result-record';

export type { Broker, ControlMessage, DeadLetter, PublishRequest, ReservedMessage } from './broker/broker.interface';
export { RedisBroker } from './broker/redis/redis-broker';
export { MemoryBroker } from './broker/memory/memory-broker';
export type { TaskMessage } from './serialization/task-message';

export * from './errors';
