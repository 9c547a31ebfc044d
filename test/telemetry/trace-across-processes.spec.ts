import { Controller, Param, Post, type INestApplication } from '@nestjs/common';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TaskClient } from '../../lib';
import { TracedTasks } from '../fixtures/telemetry-tasks';
import { createHttpApp, httpRequest } from '../ops/support/http-app';
import { installOtel, printedSpans, toRecord, type OtelHandle, type SpanRecord } from '../support/otel';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { TestResources, type WorkerProcess } from '../support/test-resources';
import { waitFor } from '../support/wait';

@Controller()
class SignupController {
  constructor(private readonly tasks: TaskClient) {}

  @Post('signup/:id')
  async signup(@Param('id') id: string): Promise<{ taskId: string }> {
    const result = await this.tasks.delay(TracedTasks, 'signup', Number(id));
    return { taskId: result.id };
  }
}

/**
 * One trace from an HTTP request to the task it enqueued and the task that task enqueued:
 * the API app (this process, with a SERVER span per request as HTTP instrumentation makes
 * one) and a worker in its own OS process, each with its own tracer provider, on Redis;
 * with the process pool the runs happen in the worker's children.
 */
describe.each(['inline', 'process'] as const)('OpenTelemetry across an API process and a worker process (%s pool)', (pool) => {
  const resources = new TestResources();
  const prefix = uniquePrefix(`otel-x-${pool}`);
  let otel: OtelHandle;
  let api: INestApplication;
  let url: string;
  let worker: WorkerProcess;

  beforeAll(async () => {
    otel = installOtel();
    const tracer = trace.getTracer('http-test');
    ({ app: api, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [], {
      providers: [TracedTasks],
      controllers: [SignupController],
      configure: (app) =>
        app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
          const span = tracer.startSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER });
          res.on('finish', () => span.end());
          context.with(trace.setSpan(context.active(), span), next);
        }),
    }));
    resources.track(api);
    // With the process pool, tasks run in pool children, which set up their own provider (same entry file).
    worker = await resources.spawnWorker('telemetry-worker-main', { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, QUEUES: 'traced', CONCURRENCY: 2, POOL: pool });
  });

  afterAll(async () => {
    await resources.closeAll();
    await otel.shutdown();
  });

  it('joins the request, the send, the worker run and the task it enqueued in one trace', async () => {
    const response = await httpRequest(`${url}/signup/7`, { method: 'POST' });
    expect(response.status).toBe(201);
    const { taskId } = JSON.parse(response.body) as { taskId: string };

    const local = otel.spans.getFinishedSpans().map(toRecord);
    const request = local.find((s) => s.name === 'POST /signup/7')!;
    const send = local.find((s) => s.name === 'send traced' && s.attributes['messaging.message.id'] === taskId)!;
    expect(request).toBeDefined();
    expect(send).toMatchObject({
      kind: SpanKind.PRODUCER,
      traceId: request.traceId,
      parentSpanId: request.spanId,
      attributes: {
        'messaging.system': 'nestjs-tasks',
        'messaging.operation.name': 'send',
        'messaging.operation.type': 'send',
        'messaging.destination.name': 'traced',
        'messaging.message.id': taskId,
        'nestjs_tasks.task.name': 'traced.signup',
      },
    });

    // The worker prints its spans: the run of signup, the send of notify from inside it, the run of notify.
    const remote = await waitFor(() => {
      const spans = printedSpans(worker.output());
      const notifyRun = spans.find((s) => s.name === 'process traced' && s.attributes['nestjs_tasks.task.name'] === 'traced.notify');
      return notifyRun ? spans : null;
    }, 'the worker to print the span of the notify run');
    const byTask = (name: string, op: string): SpanRecord => remote.find((s) => s.attributes['nestjs_tasks.task.name'] === name && s.attributes['messaging.operation.name'] === op)!;
    const signupRun = byTask('traced.signup', 'process');
    const notifySend = byTask('traced.notify', 'send');
    const notifyRun = byTask('traced.notify', 'process');

    expect(signupRun).toMatchObject({
      kind: SpanKind.CONSUMER,
      traceId: request.traceId,
      parentSpanId: send.spanId,
      links: [{ traceId: send.traceId, spanId: send.spanId }],
      attributes: { 'messaging.operation.type': 'process', 'messaging.message.id': taskId, 'messaging.destination.name': 'traced', 'nestjs_tasks.task.outcome': 'success' },
    });
    expect(notifySend).toMatchObject({ kind: SpanKind.PRODUCER, traceId: request.traceId, parentSpanId: signupRun.spanId });
    expect(notifyRun).toMatchObject({ kind: SpanKind.CONSUMER, traceId: request.traceId, parentSpanId: notifySend.spanId });
    for (const span of [signupRun, notifySend, notifyRun]) expect(span.status.code).not.toBe(2);
    // Inline: the worker process ran the task; process pool: one of its children did.
    expect(signupRun.pid === worker.pid).toBe(pool === 'inline');
  });
});
