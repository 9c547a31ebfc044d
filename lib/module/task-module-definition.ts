import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { TaskModuleOptions } from '../config/task-module-options.interface';

export const {
  ConfigurableModuleClass: ConfigurableTaskModule,
  MODULE_OPTIONS_TOKEN: TASK_MODULE_OPTIONS,
  OPTIONS_TYPE: TASK_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: TASK_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TaskModuleOptions>()
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createTaskOptions')
  .setExtras({}, (definition) => ({ ...definition, global: true }))
  .build();
