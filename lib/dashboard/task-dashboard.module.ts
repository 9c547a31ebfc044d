import { Module, type DynamicModule } from '@nestjs/common';
import { TASK_DASHBOARD_OPTIONS } from '../constants';
import { DashboardEventStream } from './dashboard-event-stream';
import { toNestGuard } from './dashboard-guard';
import { resolveDashboardOptions, type TaskDashboardOptions } from './dashboard-options';
import { dashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/**
 * A Flower-like dashboard mounted in an existing Nest HTTP app that imports
 * TaskModule: `TaskDashboardModule.register({ path: '/tasks', guard, readOnly })`.
 * `nest-tasks dashboard` serves the same pages standalone.
 */
@Module({})
export class TaskDashboardModule {
  static register(options: TaskDashboardOptions = {}): DynamicModule {
    const resolved = resolveDashboardOptions(options);
    return {
      module: TaskDashboardModule,
      imports: options.imports ?? [],
      controllers: [dashboardController(resolved.path, toNestGuard(options.guard))],
      providers: [{ provide: TASK_DASHBOARD_OPTIONS, useValue: resolved }, DashboardService, DashboardEventStream],
    };
  }
}
