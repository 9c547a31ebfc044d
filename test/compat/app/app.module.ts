import { Module } from '@nestjs/common';
import { TaskModule } from 'nestjs-tasks';
import { Greeter } from './greeter.service.js';
import { GreetingTasks } from './greeting.tasks.js';

@Module({
  imports: [
    TaskModule.forRoot({
      broker: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: process.env.TASKS_PREFIX ?? 'compat',
    }),
  ],
  providers: [Greeter, GreetingTasks],
})
export class AppModule {}
