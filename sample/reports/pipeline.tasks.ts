import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';
import { OrdersService } from '../orders/orders.service';
import { UsersService } from '../users/users.service';

/** The article's "Task Chaining": the steps of a daily report. */
@Injectable()
export class ReportPipelineTasks {
  constructor(
    private readonly users: UsersService,
    private readonly orders: OrdersService,
  ) {}

  // Fan-out members: each counts one thing, in parallel.
  @Task()
  async countActiveUsers(): Promise<number> {
    return this.users.activeIds().length;
  }

  @Task()
  async sumOrders(): Promise<number> {
    return [1, 2, 3].reduce((sum, id) => sum + this.orders.findOne(id).amount, 0);
  }

  // Fan-in: receives the members' results in order.
  @Task()
  async summarize(results: number[]): Promise<string> {
    const [users, revenue] = results;
    return `${users} active users, ${revenue} in orders`;
  }

  // Sequential steps: each receives the previous one's result first.
  @Task()
  async extract(day: string): Promise<{ day: string; rows: number }> {
    return { day, rows: 42 };
  }

  @Task()
  async transform(data: { day: string; rows: number }): Promise<{ day: string; rows: number; clean: true }> {
    return { ...data, clean: true };
  }

  @Task()
  async load(data: { day: string; rows: number; clean: true }): Promise<string> {
    return `loaded ${data.rows} rows for ${data.day}`;
  }
}
