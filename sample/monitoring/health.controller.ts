import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { TaskHealthIndicator } from 'nestjs-tasks';

/** `GET /health`: the broker answers and at least one worker is alive. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tasks: TaskHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.tasks.isHealthy('tasks', { minWorkers: 1, timeout: 1000 })]);
  }
}
