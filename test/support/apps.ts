import { Module, type DynamicModule, type INestApplicationContext, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskModule, type TaskModuleOptions } from '../../lib';
import { MathTasks, Multiplier } from '../fixtures/math.tasks';

/** An application context with TaskModule and the given providers. */
export async function createApp(
  options: TaskModuleOptions,
  providers: Type[] = [MathTasks, Multiplier],
  imports: DynamicModule[] = [],
): Promise<INestApplicationContext> {
  @Module({ imports: [TaskModule.forRoot(options), ...imports], providers })
  class AppModule {}
  return NestFactory.createApplicationContext(AppModule, { logger: process.env.TEST_LOGS ? undefined : false, abortOnError: false });
}
