import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';
import { MailerService } from '../external/mailer.service';
import { UsersService } from '../users/users.service';

/** The article's "Writing Tasks": send_welcome_email(user_id). */
@Injectable()
export class EmailTasks {
  constructor(
    private readonly users: UsersService,
    private readonly mailer: MailerService,
  ) {}

  // Routed to the 'emails' queue by forRoot({ routes: { 'EmailTasks.*': ... } }).
  @Task({ maxRetries: 3, retryBackoff: true })
  async sendWelcome(userId: number): Promise<string> {
    const user = this.users.findOne(userId); // fresh from the "database": pass ids, not objects
    await this.mailer.send(user.email, 'Welcome!');
    return `Email sent to ${user.email}`;
  }

  // Urgent: fetched before any waiting priority-0 email of the queue.
  @Task({ priority: 9, maxRetries: 5 })
  async sendPasswordReset(userId: number): Promise<string> {
    const user = this.users.findOne(userId);
    await this.mailer.send(user.email, 'Reset your password');
    return `Reset link sent to ${user.email}`;
  }

  // "If you don't need the result": nothing is stored.
  @Task({ ignoreResult: true })
  async sendNewsletter(userId: number): Promise<void> {
    await this.mailer.send(this.users.findOne(userId).email, 'Our newsletter');
  }
}
