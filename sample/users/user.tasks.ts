import { Injectable } from '@nestjs/common';
import { Task, TaskClient } from 'nestjs-tasks';
import { UsersService } from './users.service';

/** The article's "Database Queries in Loops" anti-pattern, done right: fan out sub-tasks. */
@Injectable()
export class UserTasks {
  constructor(
    private readonly users: UsersService,
    private readonly tasks: TaskClient,
  ) {}

  @Task()
  async processAllUsers(): Promise<number> {
    const ids = this.users.activeIds();
    // One round trip for all of them.
    await this.tasks.delayMany(UserTasks, 'processUser', ids.map((id) => [id] as [number]));
    return ids.length;
  }

  @Task()
  async processUser(userId: number): Promise<string> {
    return `processed ${this.users.findOne(userId).email}`;
  }

  /** "No Rate Limiting": at most 10 calls a minute across every worker. */
  @Task({ rateLimit: '10/m' })
  async callExternalApi(data: string): Promise<string> {
    return `called the API with ${data}`;
  }
}
