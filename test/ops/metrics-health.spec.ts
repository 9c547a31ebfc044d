import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule, type HealthCheckResult } from '@nestjs/terminus';
import {
  OptionalDependencyError,
  TaskClient,
  TaskConfigError,
  TaskEventPublisher,
  TaskHealthIndicator,
  TaskMetricsModule,
  TaskWorker,
} from '../../lib';
import { loadPromClient } from '../../lib/monitoring/metrics/load-prom-client';
import { OpsTasks } from './fixtures/ops.tasks';
import { startRedisServer } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createHttpApp, httpRequest } from './support/http-app';
import { OpsHarness, waitFor } from './support/ops-harness';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly tasks: TaskHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.tasks.isHealthy('tasks', { minWorkers: 1, timeout: 500 })]);
  }
}

describe('Prometheus metrics', () => {
  const harness = new OpsHarness();
  let web: INestApplication;
  let url: string;
  const prefix = uniquePrefix('ops-metrics');

  beforeAll(async () => {
    ({ app: web, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskMetricsModule.register()], { providers: [] }));
    harness.track(web);
  });
  afterAll(() => harness.closeAll());

  it('counts tasks by name and state from every worker, with runtimes, queue lengths and workers', async () => {
    const workerApp = await harness.app({ broker: testRedisUrl(), prefix, events: true });
    await workerApp.get(TaskWorker).start({ concurrency: 4 });
    const client = workerApp.get(TaskClient);
    await Promise.all([1, 2, 3].map(async (i) => (await client.delay(OpsTasks, 'add', i, i)).get({ timeout: 10_000 })));
    await expect((await client.delay(OpsTasks, 'explode', 'metric')).get({ timeout: 10_000 })).rejects.toThrow();
    await client.applyAsync(OpsTasks, 'add', [0, 0], { countdown: 60_000 });
    await workerApp.get(TaskEventPublisher).flush();

    const text = await waitFor('the counters', async () => {
      const { body } = await httpRequest(`${url}/metrics`);
      const all = ['{task="OpsTasks.explode",state="failed"} 1', '{task="OpsTasks.add",state="sent"} 4'];
      return all.every((line) => body.includes(`nest_tasks_tasks_total${line}`)) ? body : null;
    });
    expect(text).toContain('nest_tasks_tasks_total{task="OpsTasks.add",state="succeeded"} 3');
    expect(text).toContain('nest_tasks_tasks_total{task="OpsTasks.add",state="sent"} 4');
    expect(text).toMatch(/nest_tasks_task_runtime_seconds_count\{task="OpsTasks.add"\} 3/);
    expect(text).toContain('nest_tasks_queue_messages{queue="default",state="delayed"} 1');
    expect(text).toContain('nest_tasks_workers{status="online"} 1');
    const response = await httpRequest(`${url}/metrics`);
    expect(response.headers['content-type']).toContain('text/plain');
  });

  it('options are checked at register(); a missing prom-client is named', () => {
    expect(() => TaskMetricsModule.register({ path: 'metrics' })).toThrow(TaskConfigError);
    expect(() => TaskMetricsModule.register({ buckets: [1, 0.5] })).toThrow(/buckets/);
    jest.isolateModules(() => {
      jest.doMock('prom-client', () => {
        throw new Error("Cannot find module 'prom-client'");
      });
      const { loadPromClient: isolated } = jest.requireActual<typeof import('../../lib/monitoring/metrics/load-prom-client')>('../../lib/monitoring/metrics/load-prom-client');
      // A fresh module registry: the error class is another copy, so compare by name.
      const error = (() => {
        try {
          isolated();
        } catch (thrown) {
          return thrown as OptionalDependencyError;
        }
      })();
      expect(error).toMatchObject({ name: 'OptionalDependencyError', packageName: 'prom-client' });
      expect(error?.message).toBe("TaskMetricsModule needs the optional peer dependency 'prom-client': npm install prom-client");
    });
    jest.dontMock('prom-client');
    expect(typeof loadPromClient().Registry).toBe('function');
  });
});

describe('health indicator (@nestjs/terminus)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('is up with a live worker and down without one, through HealthCheckService', async () => {
    const prefix = uniquePrefix('ops-health');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TerminusModule.forRoot({ logger: false })], {
      providers: [],
      controllers: [HealthController],
    });
    harness.track(app);
    const down = await httpRequest(`${url}/health`);
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).error.tasks).toMatchObject({ status: 'down', broker: 'up', workers: 0, message: '0 live worker(s), 1 needed' });

    const workerApp = await harness.app({ broker: testRedisUrl(), prefix });
    await workerApp.get(TaskWorker).start({ concurrency: 1 });
    const up = await httpRequest(`${url}/health`);
    expect(up.status).toBe(200);
    expect(JSON.parse(up.body).info.tasks).toMatchObject({ status: 'up', broker: 'up', workers: 1 });

    const local = workerApp.get(TaskHealthIndicator);
    expect((await local.isHealthy()).tasks).toMatchObject({ status: 'up', localWorker: 'running' });
    expect((await local.isHealthy('tasks', { queue: 'elsewhere' })).tasks).toMatchObject({ status: 'down', workers: 0 });
    await workerApp.get(TaskWorker).stop();
    expect((await local.isHealthy('tasks', { minWorkers: 0 })).tasks).toMatchObject({ status: 'down', localWorker: 'stopped' });
    await expect(local.isHealthy('tasks', { minWorkers: -1 })).rejects.toThrow(/minWorkers/);
  });

  it('is down while Redis does not answer, and up again once it does', async () => {
    const server = await startRedisServer();
    try {
      const app = await harness.app({ broker: server.url, prefix: uniquePrefix('ops-gone') }, []);
      const indicator = app.get(TaskHealthIndicator);
      expect((await indicator.isHealthy('tasks', { minWorkers: 0 })).tasks.status).toBe('up');
      // Frozen: connected but not answering, the worst case for a health check.
      process.kill(server.pid, 'SIGSTOP');
      let result;
      try {
        result = (await indicator.isHealthy('tasks', { minWorkers: 0, timeout: 500 })).tasks;
      } finally {
        process.kill(server.pid, 'SIGCONT');
      }
      expect(result).toMatchObject({ status: 'down', broker: 'down' });
      expect(result.message).toMatch(/broker unreachable: no answer within 500 ms/);
      await waitFor('the broker to be up again', async () => (await indicator.isHealthy('tasks', { minWorkers: 0, timeout: 500 })).tasks.status === 'up', 15_000);
      await app.close();
    } finally {
      await server.stop();
    }
  });
});
