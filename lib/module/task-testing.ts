/* eslint-disable @typescript-eslint/no-explicit-any */
import { resolveTaskConfig } from '../config/task-config';
import type { TaskModuleOptions } from '../config/task-module-options.interface';
import { TASK_CONFIG } from '../constants';
import { TASK_MODULE_OPTIONS } from './task-module-definition';

/**
 * What `Test.createTestingModule(...)` returns, as far as TaskTesting needs it
 * (structural, so the library does not depend on @nestjs/testing).
 */
export interface TaskTestingModuleBuilder<B> {
  overrideProvider(token: any): { useFactory(options: { factory: (...args: any[]) => any; inject?: any[] }): B };
}

/**
 * Switches an existing app's TaskModule to a test mode, keeping its other options
 * (routes, defaults, prefix, ...) whether it was set up with forRoot or forRootAsync:
 *
 *   const moduleRef = await TaskTesting.eager(Test.createTestingModule({ imports: [AppModule] })).compile();
 *   const moduleRef = await TaskTesting.record(Test.createTestingModule({ imports: [AppModule] })).compile();
 *
 * Neither opens a broker connection: the broker URL may point nowhere.
 */
export const TaskTesting = {
  /** Eager mode: `delay()` runs the task inline through the executor, before it resolves. */
  eager<B extends TaskTestingModuleBuilder<B>>(builder: B): B {
    return withMode(builder, { eager: true, record: false });
  },
  /** Recording mode: enqueued tasks are kept; read and run them with `moduleRef.get(TaskRecorder)`. */
  record<B extends TaskTestingModuleBuilder<B>>(builder: B): B {
    return withMode(builder, { eager: false, record: true });
  },
};

function withMode<B extends TaskTestingModuleBuilder<B>>(builder: B, mode: Pick<TaskModuleOptions, 'eager' | 'record'>): B {
  return builder.overrideProvider(TASK_CONFIG).useFactory({
    factory: (options: TaskModuleOptions | undefined) => resolveTaskConfig({ ...options, ...mode }),
    inject: [TASK_MODULE_OPTIONS],
  });
}
