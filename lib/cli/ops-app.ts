import { Module, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskModule } from '../module/task.module';
import { checkBrokerOptions, type BrokerOptions } from './broker-options';

/**
 * An application context with only TaskModule (no task code), for the commands that
 * inspect and control a namespace: inspect, purge, revoke, control.
 */
export async function createOpsApp(options: BrokerOptions, logger: LogLevel[] | false = false): Promise<INestApplicationContext> {
  const { broker, prefix } = checkBrokerOptions(options);
  @Module({ imports: [TaskModule.forRoot({ broker, prefix, connectRetries: 2, connectRetryDelay: 300 })] })
  class NestTasksCliModule {}
  return NestFactory.createApplicationContext(NestTasksCliModule, { logger, abortOnError: false });
}
