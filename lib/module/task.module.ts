import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import type { Broker } from '../broker/broker.interface';
import { createBroker } from '../broker/create-broker';
import { TaskClient } from '../client/task-client';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import { TaskExplorer } from '../discovery/task.explorer';
import { TaskEventBus } from '../events/task-event-bus';
import { TaskRegistry } from '../registry/task-registry';
import { TaskExecutor } from '../worker/task-executor';
import { TaskHooks } from '../worker/task-hooks';
import { TaskWorker } from '../worker/task-worker';
import { BrokerLifecycle } from './broker-lifecycle';
import { resolveTaskConfig, type TaskConfig } from './task-config';
import { ConfigurableTaskModule, TASK_MODULE_OPTIONS } from './task-module-definition';
import type { TaskModuleOptions } from './task-module-options.interface';

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
    TaskExecutor,
    TaskClient,
    TaskWorker,
  ],
  exports: [TASK_CONFIG, TASK_BROKER, TaskRegistry, TaskHooks, TaskEventBus, TaskExecutor, TaskClient, TaskWorker],
})
export class TaskModule extends ConfigurableTaskModule {}
