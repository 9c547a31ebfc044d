import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Broker } from '../broker/ports/broker';
import { createBroker } from '../broker/create-broker';
import { TaskClient } from '../client/task-client';
import { WorkflowEngine } from '../canvas/workflow-engine';
import { WorkflowHooks } from '../canvas/workflow-hooks';
import { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TASK_BROKER, TASK_CLOCK, TASK_CONFIG, TASK_RECORDING, TASK_SCHEDULE_STORE } from '../constants';
import { TaskExplorer } from '../discovery/task.explorer';
import { MONITORING_EXPORTS, MONITORING_PROVIDERS } from '../monitoring/monitoring.providers';
import { TaskEventBus } from '../events/task-event-bus';
import { TaskRegistry } from '../registry/task-registry';
import { systemClock } from '../scheduler/clock';
import { PeriodicExplorer } from '../scheduler/periodic.explorer';
import { TaskScheduler } from '../scheduler/task-scheduler';
import { TaskExecutor } from '../execution/task-executor';
import { TaskHooks } from '../execution/task-hooks';
import { TaskTelemetry } from '../telemetry/task-telemetry';
import { TaskWorker } from '../worker/task-worker';
import { TaskRecorder } from '../testing/task-recorder';
import { BrokerLifecycle } from './broker-lifecycle';
import { resolveTaskConfig, type TaskConfig } from '../config/task-config';
import { ConfigurableTaskModule, TASK_MODULE_OPTIONS } from './task-module-definition';
import type { TaskModuleOptions } from '../config/task-module-options.interface';

/**
 * `TaskModule.forRoot({...})` or `TaskModule.forRootAsync({ imports, inject, useFactory })`.
 * Global: import it once, in the root module.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: TASK_CONFIG,
      useFactory: (options: TaskModuleOptions) => resolveTaskConfig(options),
      inject: [TASK_MODULE_OPTIONS],
    },
    {
      provide: TASK_BROKER,
      useFactory: async (config: TaskConfig): Promise<Broker> => {
        const broker = createBroker(config);
        await broker.connect();
        return broker;
      },
      inject: [TASK_CONFIG],
    },
    BrokerLifecycle,
    TaskRegistry,
    TaskExplorer,
    TaskHooks,
    TaskEventBus,
    TaskTelemetry,
    TaskExecutor,
    TaskRecorder,
    { provide: TASK_RECORDING, useExisting: TaskRecorder },
    TaskDispatcher,
    WorkflowEngine,
    TaskClient,
    TaskWorker,
    WorkflowHooks,
    { provide: TASK_CLOCK, useValue: systemClock },
    { provide: TASK_SCHEDULE_STORE, useFactory: (broker: Broker) => broker.scheduleStore(), inject: [TASK_BROKER] },
    PeriodicExplorer,
    TaskScheduler,
    ...MONITORING_PROVIDERS,
  ],
  exports: [TASK_CONFIG, TASK_BROKER, TaskRegistry, TaskHooks, TaskEventBus, TaskTelemetry, TaskExecutor, TaskDispatcher, TaskRecorder, TaskClient, TaskWorker, TaskScheduler, TASK_CLOCK, ...MONITORING_EXPORTS],
})
export class TaskModule extends ConfigurableTaskModule {}
