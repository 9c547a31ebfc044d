import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TaskDashboardModule, TaskMetricsModule } from 'nestjs-tasks';
import { DemoController } from './api/demo.controller';
import { HomeController } from './api/home.controller';
import { HealthController } from './monitoring/health.controller';
import { localOnly } from './monitoring/local-only';
import { TaskAlerts } from './monitoring/task-alerts';
import { TasksModule } from './tasks.module';

/**
 * The HTTP application: the API, the task module (for TaskClient), and monitoring:
 * a Flower-like dashboard at /dashboard, Prometheus at /metrics, /health; `GET /` links them.
 */
@Module({
  imports: [
    TasksModule,
    // A guard lets the dashboard act (retry, revoke, purge); without one it is read-only.
    TaskDashboardModule.register({ path: '/dashboard', guard: localOnly }),
    TaskMetricsModule.register({ path: '/metrics' }),
    TerminusModule,
  ],
  controllers: [HomeController, DemoController, HealthController],
  providers: [TaskAlerts],
})
export class AppModule {}
