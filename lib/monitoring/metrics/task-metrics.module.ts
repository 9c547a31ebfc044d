import { Controller, Get, Header, Inject, Module, Res, type DynamicModule, type Type } from '@nestjs/common';
import { TASK_METRICS_OPTIONS } from '../../constants';
import { resolveMetricsOptions, type TaskMetricsOptions } from './metrics-options';
import { TaskMetrics } from './task-metrics';

/** The `GET <path>` endpoint; the class is made per path. */
function metricsController(path: string): Type {
  @Controller(path)
  class TaskMetricsController {
    constructor(@Inject(TaskMetrics) private readonly metrics: TaskMetrics) {}

    @Get()
    @Header('Cache-Control', 'no-store')
    async scrape(@Res({ passthrough: true }) response: { setHeader?: (k: string, v: string) => void; header?: (k: string, v: string) => void }): Promise<string> {
      const type = this.metrics.contentType;
      if (response.setHeader) response.setHeader('Content-Type', type);
      else response.header?.('Content-Type', type);
      return this.metrics.metrics();
    }
  }
  return TaskMetricsController;
}

/**
 * Prometheus metrics (prom-client, an optional peer dependency):
 * `TaskMetricsModule.register({ path: '/metrics' })` in an HTTP app that imports
 * TaskModule. Also served by `nest-tasks dashboard`.
 */
@Module({})
export class TaskMetricsModule {
  static register(options: TaskMetricsOptions = {}): DynamicModule {
    const resolved = resolveMetricsOptions(options);
    return {
      module: TaskMetricsModule,
      controllers: resolved.path === null ? [] : [metricsController(resolved.path)],
      providers: [{ provide: TASK_METRICS_OPTIONS, useValue: resolved }, TaskMetrics],
      exports: [TaskMetrics],
    };
  }
}
