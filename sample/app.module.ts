import { Module } from '@nestjs/common';
import { DemoController } from './api/demo.controller';
import { TasksModule } from './tasks.module';

/** The HTTP application: the API plus the task module (for TaskClient). */
@Module({
  imports: [TasksModule],
  controllers: [DemoController],
})
export class AppModule {}
