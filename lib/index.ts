export { TaskModule } from './module/task.module';
export { TASK_MODULE_OPTIONS } from './module/task-module-definition';
export type { TaskModuleOptions, RouteOptions, BrokerOption } from './config/task-module-options.interface';
export type { TaskConfig } from './config/task-config';
export type { QueueOptions } from './config/queue-options';
export type { CeleryOptions, CeleryConfig } from './config/celery-options';

export { Task } from './decorators/task.decorator';
export type { TaskMetadata, TaskMethodDecorator } from './decorators/task.decorator';
export type { TaskOptions, TaskBehaviourOptions, ErrorClass, UniqueOptions, ConcurrencyOptions } from './config/task-options.interface';

export { TaskClient } from './client/task-client';
export type { ApplyOptions } from './client/apply-options';
export type { TaskClass, TaskMethodName, TaskArgs, TaskReturn } from './client/task-types';

export { TaskWorker } from './worker/task-worker';
export type { WorkerStartOptions, QueueSpec } from './worker/worker-options';
export type { TaskEvent, TaskEventType } from './serialization/task-event';

export { currentTask } from './context/task-context';
export type { TaskContext, RetryOptions } from './context/task-context';

export { AsyncResult } from './results/async-result';
export type { GetOptions } from './results/async-result';
export { TaskState } from './serialization/task-state';


export * from './errors';

// Workflows (lib/canvas)
export { Workflow } from './canvas/workflow';
export type { ResultOf, ResultsOf } from './canvas/workflow';
export { Signature } from './canvas/signature';
export type { SignatureOptions } from './canvas/signature-options';
export type { SignatureArgs } from './canvas/canvas-types';
export { Chain } from './canvas/chain';
export { Group } from './canvas/group';
export { Chord } from './canvas/chord';
export { GroupResult } from './canvas/group-result';
export type { GroupGetOptions, GroupItemOutcome, GroupOutcomes } from './canvas/group-result';
export type { WorkflowFailure } from './serialization/workflow-spec';

export { Periodic } from './decorators/periodic.decorator';
export type { PeriodicOptions, PeriodicEveryOptions, PeriodicCronOptions, PeriodicMetadata } from './decorators/periodic.decorator';
export { TaskScheduler } from './scheduler/task-scheduler';
export type { BeatOptions } from './config/beat-options';
export type { TaskClock } from './scheduler/clock';
export type { CatchUpMode, ScheduleEntry, CronScheduleEntry, IntervalScheduleEntry, ScheduleInfo, ScheduleSource } from './config/schedules/schedule-definition';
export { TASK_CLOCK } from './constants';

// Operations (lib/monitoring, lib/dashboard): events, remote control, admin, metrics, health, dashboard
export type { EventStreamOptions, MonitoringConfig } from './config/monitoring-options';
export { OnTaskEvent } from './monitoring/events/on-task-event.decorator';
export type { OnTaskEventOptions } from './monitoring/events/on-task-event.decorator';
export { TaskEventPublisher } from './monitoring/events/task-event-publisher';
export { TaskEventTail } from './monitoring/events/task-event-tail';
export type { StoredEvent } from './broker/ports/stored-event';
export { TaskInspector } from './monitoring/control/task-inspector';
export type { HeldTask, Replies } from './monitoring/control/task-inspector';
export { TaskControl } from './monitoring/control/task-control';
export type { ControlAnswer } from './monitoring/control/task-control';
export type { RemoteCallOptions } from './monitoring/control/remote-caller';
export type { WorkerStats } from './monitoring/workers/control-responder';
export { WorkerMonitor } from './monitoring/workers/worker-monitor';
export type { WorkerState, WorkerView, WorkerStatus, RunningTask } from './broker/ports/worker-state';
export { TaskAdmin } from './monitoring/admin/task-admin';
export type { QueueInfo, TaskSummary, TaskDetail, TaskFilter } from './monitoring/admin/task-views';
export { TaskStats } from './monitoring/stats/task-stats';
export type { ThroughputPoint, QueueDepthPoint, RuntimePercentiles, RuntimeStats } from './monitoring/stats/task-stats';
export type { QueueCounts, ConcurrencyKeyInfo, ScheduledMessage, DeadLetterEntry } from './broker/ports/queue-admin';
export { TaskHealthIndicator } from './monitoring/health/task-health.indicator';
export type { TaskHealthOptions, TaskHealthResult } from './monitoring/health/task-health.indicator';
export { TaskMetricsModule } from './monitoring/metrics/task-metrics.module';
export { TaskMetrics } from './monitoring/metrics/task-metrics';
export type { TaskMetricsOptions } from './monitoring/metrics/metrics-options';
export { TaskDashboardModule } from './dashboard/task-dashboard.module';
export type { TaskDashboardOptions, DashboardGuardFunction } from './dashboard/dashboard-options';

// Testing (lib/testing, lib/module/task-testing.ts): eager and recording modes for an existing app
export { TaskTesting } from './module/task-testing';
export type { TaskTestingModuleBuilder } from './module/task-testing';
export { TaskRecorder } from './testing/task-recorder';
export type { RecordedTask, DrainOptions } from './testing/task-recorder';

// Batch tasks (lib/flow/batch)
export { BatchItemFailure } from './flow/batch/batch-item-failure';
export type { BatchOf } from './flow/batch/batch-of';
export type { BatchOptions } from './config/batch-options';
export type { BatchContext, BatchItemContext } from './flow/batch/batch-context';
// Debounce (lib/config/debounce-options.ts, lib/flow/debounce)
export type { DebounceOptions, DebounceTaskOptions } from './config/debounce-options';
