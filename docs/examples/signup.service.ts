// A service that enqueues: what the docs' testing examples call.
import { Injectable } from '@nestjs/common';
import { TaskClient } from 'nestjs-tasks';
import { EmailTasks } from './email.tasks';

@Injectable()
export class SignupService {
  constructor(private readonly tasks: TaskClient) {}

  async signup(userId: number): Promise<string> {
    const result = await this.tasks.delay(EmailTasks, 'sendWelcome', userId);
    return result.id;
  }
}
