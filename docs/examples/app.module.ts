// The application module of the docs' examples.
import { Module } from '@nestjs/common';
import { TaskModule } from 'nestjs-tasks';
import { EmailTasks } from './email.tasks';
import { SignupService } from './signup.service';
import { MailerService, UsersService } from './users.service';

@Module({
  imports: [
    TaskModule.forRoot({
      broker: process.env.REDIS_URL ?? 'memory://',
      routes: { 'EmailTasks.*': { queue: 'emails' } },
    }),
  ],
  providers: [EmailTasks, UsersService, MailerService, SignupService],
  exports: [UsersService, MailerService],
})
export class AppModule {}
