import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { TaskClient, TaskFailedError } from 'nestjs-tasks';
import { EmailTasks } from '../emails/email.tasks';
import { OrderTasks } from '../orders/order.tasks';
import { OrdersService } from '../orders/orders.service';
import { ReportPipelineTasks } from '../reports/pipeline.tasks';
import { ReportTasks } from '../reports/report.tasks';
import { UserTasks } from '../users/user.tasks';

/** The HTTP side: enqueue and look up tasks; the work happens in a worker. */
@Controller()
export class DemoController {
  constructor(
    private readonly tasks: TaskClient,
    private readonly orders: OrdersService,
  ) {}

  /** Enqueues the welcome email of user 1 (or `{ "userId": n }`). */
  @Post('demo')
  @HttpCode(202)
  async demo(@Body() body: { userId?: number } = {}): Promise<{ id: string }> {
    const result = await this.tasks.delay(EmailTasks, 'sendWelcome', Number(body?.userId ?? 1));
    return { id: result.id };
  }

  @Get('tasks/:id')
  async status(@Param('id') id: string): Promise<{ id: string; state: string; result?: unknown; error?: unknown; retries?: number }> {
    const info = await this.tasks.result(id).info();
    if (!info) return { id, state: 'PENDING' };
    return { id, state: info.state, result: info.result, error: info.error && { name: info.error.name, message: info.error.message }, retries: info.retries };
  }

  /** Waits for the result (up to 10 s): `GET /tasks/:id/result`. */
  @Get('tasks/:id/result')
  async result(@Param('id') id: string): Promise<{ id: string; value?: unknown; error?: string }> {
    try {
      return { id, value: await this.tasks.result(id).get({ timeout: 10_000 }) };
    } catch (error) {
      return { id, error: error instanceof TaskFailedError ? `${error.remoteName}: ${error.remoteMessage}` : String(error) };
    }
  }

  @Post('users/:id/welcome')
  @HttpCode(202)
  async welcome(@Param('id', ParseIntPipe) userId: number): Promise<{ id: string }> {
    return { id: (await this.tasks.applyAsync(EmailTasks, 'sendWelcome', [userId], { countdown: 1000, expires: 60_000 })).id };
  }

  /** Priority 9: ahead of every waiting welcome email. */
  @Post('users/:id/password-reset')
  @HttpCode(202)
  async passwordReset(@Param('id', ParseIntPipe) userId: number): Promise<{ id: string }> {
    return { id: (await this.tasks.delay(EmailTasks, 'sendPasswordReset', userId)).id };
  }

  /** Enqueue twice and get the same id back while the first is queued: unique tasks. */
  @Post('orders/:id/charge')
  @HttpCode(202)
  async charge(@Param('id', ParseIntPipe) orderId: number): Promise<{ id: string }> {
    return { id: (await this.tasks.delay(OrderTasks, 'chargeCustomer', orderId)).id };
  }

  /** Every order, each limited to two at a time per account (a concurrency key). */
  @Post('orders/process-all')
  @HttpCode(202)
  async processOrders(): Promise<{ ids: string[] }> {
    const orders = this.orders.all();
    const results = await this.tasks.delayMany(OrderTasks, 'processOrder', orders.map((o) => [o.id, o.userId] as [number, number]));
    return { ids: results.map((r) => r.id) };
  }

  @Post('users/process-all')
  @HttpCode(202)
  async processAll(): Promise<{ id: string }> {
    return { id: (await this.tasks.delay(UserTasks, 'processAllUsers')).id };
  }

  @Post('reports')
  @HttpCode(202)
  async report(@Query('rows') rows = '100'): Promise<{ id: string }> {
    return { id: (await this.tasks.delay(ReportTasks, 'generateReport', Number(rows))).id };
  }

  /** Chain (extract → transform → load) and chord (counts in parallel → summarize). */
  @Post('reports/daily')
  @HttpCode(202)
  async daily(@Query('day') day = new Date().toISOString().slice(0, 10)): Promise<{ etl: string; summary: string }> {
    const pipeline = (name: 'transform' | 'load') => this.tasks.signature(ReportPipelineTasks, name);
    const etl = await this.tasks.chain(this.tasks.signature(ReportPipelineTasks, 'extract', day), pipeline('transform'), pipeline('load')).applyAsync();
    const summary = await this.tasks
      .chord(
        [this.tasks.signature(ReportPipelineTasks, 'countActiveUsers'), this.tasks.signature(ReportPipelineTasks, 'sumOrders')],
        this.tasks.signature(ReportPipelineTasks, 'summarize'),
      )
      .applyAsync();
    return { etl: etl.id, summary: summary.id };
  }
}
