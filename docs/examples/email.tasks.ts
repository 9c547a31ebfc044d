// The task class of the docs' examples: docs/tasks.md shows it, other pages import it.
import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';
import { MailerService, UsersService } from './users.service';

@Injectable()
export class EmailTasks {
  constructor(
    private readonly users: UsersService,
    private readonly mailer: MailerService,
  ) {}

  @Task({ maxRetries: 3, retryBackoff: true })
  async sendWelcome(userId: number): Promise<string> {
    const user = await this.users.findOne(userId); // pass ids, not objects: read fresh state
    await this.mailer.send(user.email, 'Welcome!');
    return `Email sent to ${user.email}`;
  }

  @Task({ priority: 9 })
  async sendPasswordReset(userId: number): Promise<void> {
    const user = await this.users.findOne(userId);
    await this.mailer.send(user.email, 'Reset your password');
  }
}
