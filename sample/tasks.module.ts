import { Module } from '@nestjs/common';
import { TaskModule } from 'nestjs-tasks';
import { sampleConfig } from './config';
import { EmailTasks } from './emails/email.tasks';
import { MailerService } from './external/mailer.service';
import { MaintenanceTasks } from './maintenance/maintenance.tasks';
import { PaymentGateway } from './external/payment-gateway.service';
import { OrderTasks } from './orders/order.tasks';
import { OrdersService } from './orders/orders.service';
import { ReportPipelineTasks } from './reports/pipeline.tasks';
import { ReportTasks } from './reports/report.tasks';
import { UserTasks } from './users/user.tasks';
import { UsersService } from './users/users.service';
import { BillingTasks } from './celery/billing.tasks';

/** Everything a worker needs: the task providers and what they depend on. No HTTP. */
@Module({
  imports: [
    TaskModule.forRootAsync({
      useFactory: () => ({
        broker: sampleConfig.broker,
        prefix: 'sample',
        defaults: { maxRetries: 3 },
        // Task events to a capped Redis stream: the dashboard's timeline, live feed and metrics.
        events: true,
        // The article's CELERY_TASK_ROUTES.
        routes: {
          'EmailTasks.*': { queue: 'emails' },
          'ReportTasks.processImage': { queue: 'images' },
          'ReportTasks.generateReport': { queue: 'reports' },
        },
        // A queue in Celery's wire format, shared with a Django/Celery app (docs/celery.md,
        // sample/celery/send_charge.py). Celery lives in Redis: not on memory://.
        ...(sampleConfig.celery ? { queues: { legacy: { protocol: 'celery' as const } } } : {}),
      }),
    }),
  ],
  providers: [UsersService, OrdersService, MailerService, PaymentGateway, EmailTasks, OrderTasks, ReportTasks, UserTasks, MaintenanceTasks, ReportPipelineTasks, BillingTasks],
  exports: [UsersService, OrdersService, MailerService],
})
export class TasksModule {}
