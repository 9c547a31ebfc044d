import type { INestApplicationContext } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { TaskClient, TaskWorker } from '../../lib';
import { TaskDispatcher } from '../../lib/internal';
import { TracedTasks } from '../fixtures/telemetry-tasks';
import { installOtel, toRecord, type OtelHandle, type SpanRecord } from '../support/otel';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { TestResources } from '../support/test-resources';
import { waitFor } from '../support/wait';
import { decodeMessage } from '../../lib/serialization/task-message';

const ERROR = SpanStatusCode.ERROR;

/**
 * Spans and metrics of the messaging conventions, with a real SDK (in-memory exporter),
 * a producer and a worker in this process, on Redis.
 */
describe('OpenTelemetry spans and metrics', () => {
  const resources = new TestResources();
  const tracer = trace.getTracer('spans-test');
  let otel: OtelHandle;
  let app: INestApplicationContext;
  let tasks: TaskClient;

  const spans = (): SpanRecord[] => otel.spans.getFinishedSpans().map(toRecord);
  const runsOf = (id: string) => spans().filter((s) => s.name === 'process traced' && s.attributes['messaging.message.id'] === id);
  /** Runs `fn` under a root span of the test; the trace id it started. */
  const inRootSpan = async (fn: () => Promise<unknown>): Promise<string> =>
    tracer.startActiveSpan('test root', { root: true }, async (span) => {
      try {
        await fn();
        return span.spanContext().traceId;
      } finally {
        span.end();
      }
    });

  beforeAll(async () => {
    otel = installOtel();
    const options = {
      broker: testRedisUrl(),
      prefix: uniquePrefix('otel-spans'),
      beat: { leaderLease: 1500, checkInterval: 100, schedule: [{ name: 'otel-tick', task: 'traced.notify', args: [0], every: 1000 }] },
    };
    app = await resources.taskApp(options, [TracedTasks]);
    await app.get(TaskWorker).start({ queues: ['traced'], concurrency: 4, beat: true });
    tasks = app.get(TaskClient);
  });

  afterAll(async () => {
    await resources.closeAll();
    await otel.shutdown();
  });

  it('writes the trace context into the message only where there is one to carry', async () => {
    const dispatcher = app.get(TaskDispatcher);
    const task = dispatcher.resolveName('traced.add');
    let traceId = '';
    const inside = tracer.startActiveSpan('request', (span) => {
      traceId = span.spanContext().traceId;
      const built = dispatcher.build(task, [1, 2]);
      span.end();
      return built;
    });
    expect(inside.message.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(decodeMessage(inside.body, inside.message)).toMatchObject({ traceparent: inside.message.traceparent });
  });

  it('a retry runs in the same trace and links to the attempt before it', async () => {
    let id = '';
    const traceId = await inRootSpan(async () => {
      const result = await tasks.delay(TracedTasks, 'flaky');
      id = result.id;
      expect(await result.get({ timeout: 10_000 })).toBe(1);
    });
    const [first, second] = await waitFor(() => {
      const runs = runsOf(id).sort((a, b) => Number(a.attributes['nestjs_tasks.task.retries']) - Number(b.attributes['nestjs_tasks.task.retries']));
      return runs.length === 2 ? runs : null;
    }, 'both runs of the flaky task');
    const send = spans().find((s) => s.name === 'send traced' && s.attributes['messaging.message.id'] === id)!;
    expect(first).toMatchObject({
      traceId,
      parentSpanId: send.spanId,
      status: { code: ERROR },
      attributes: { 'error.type': 'FlakyError', 'nestjs_tasks.task.outcome': 'retry', 'nestjs_tasks.task.retries': 0 },
    });
    expect(second).toMatchObject({ traceId, parentSpanId: send.spanId, attributes: { 'nestjs_tasks.task.outcome': 'success', 'nestjs_tasks.task.retries': 1 } });
    expect(second.status.code).not.toBe(ERROR);
    expect(second.attributes['error.type']).toBeUndefined();
    expect(second.links).toEqual([
      { traceId, spanId: send.spanId },
      { traceId, spanId: first.spanId },
    ]);
  });

  it('a failure sets the span status and error.type, and the duration metric carries error.type', async () => {
    let id = '';
    await inRootSpan(async () => {
      const result = await tasks.delay(TracedTasks, 'broken');
      id = result.id;
      await expect(result.get({ timeout: 10_000 })).rejects.toThrow('broken on purpose');
    });
    const [run] = await waitFor(() => (runsOf(id).length === 1 ? runsOf(id) : null), 'the failed run');
    expect(run).toMatchObject({
      kind: SpanKind.CONSUMER,
      status: { code: ERROR },
      attributes: { 'error.type': 'TypeError', 'nestjs_tasks.task.outcome': 'failure', 'messaging.destination.name': 'traced' },
    });
    const durations = await otel.metric('messaging.process.duration');
    const failed = durations.find((p) => p.attributes['error.type'] === 'TypeError');
    expect(failed?.attributes).toEqual({ 'messaging.system': 'nestjs-tasks', 'messaging.operation.name': 'process', 'messaging.destination.name': 'traced', 'error.type': 'TypeError' });
    expect((failed?.value as { count: number }).count).toBeGreaterThanOrEqual(1);
  });

  it('the steps of a chain and of a chord join the trace that started them', async () => {
    let chainId = '';
    const chainTrace = await inRootSpan(async () => {
      const last = await tasks.chain(tasks.signature(TracedTasks, 'add', 1, 2), tasks.signature(TracedTasks, 'add', 10)).applyAsync();
      chainId = last.id;
      expect(await last.get({ timeout: 10_000 })).toBe(13);
    });
    let chordId = '';
    const chordTrace = await inRootSpan(async () => {
      const header = [tasks.signature(TracedTasks, 'add', 1, 1), tasks.signature(TracedTasks, 'add', 2, 2)];
      const callback = await tasks.chord(header, tasks.signature(TracedTasks, 'sum')).applyAsync();
      chordId = callback.id;
      expect(await callback.get({ timeout: 10_000 })).toBe(6);
    });
    const processed = (traceId: string) => spans().filter((s) => s.traceId === traceId && s.name === 'process traced');
    await waitFor(() => processed(chainTrace).length === 2 && processed(chordTrace).length === 3, 'the runs of the chain and the chord');
    expect(processed(chainTrace).map((s) => s.attributes['nestjs_tasks.task.name'])).toEqual(['traced.add', 'traced.add']);
    expect(processed(chainTrace).some((s) => s.attributes['messaging.message.id'] === chainId)).toBe(true);
    expect(processed(chordTrace).map((s) => s.attributes['nestjs_tasks.task.name']).sort()).toEqual(['traced.add', 'traced.add', 'traced.sum']);
    expect(processed(chordTrace).some((s) => s.attributes['messaging.message.id'] === chordId)).toBe(true);
    // The second step was sent from the first step's run: its producer span is a child of that run.
    const secondSend = spans().find((s) => s.name === 'send traced' && s.attributes['messaging.message.id'] === chainId)!;
    const firstRun = processed(chainTrace).find((s) => s.attributes['messaging.message.id'] !== chainId)!;
    expect(secondSend.parentSpanId).toBe(firstRun.spanId);
  });

  it('delayMany: one send span for the batch, linked to a create span per message, each run the child of its own', async () => {
    let ids: string[] = [];
    const traceId = await inRootSpan(async () => {
      const results = await tasks.delayMany(TracedTasks, 'add', [[1, 2], [3, 4], [5, 6]]);
      ids = results.map((r) => r.id);
      for (const result of results) await result.get({ timeout: 10_000 });
    });
    const creates = ids.map((id) => spans().find((s) => s.name === 'create traced' && s.attributes['messaging.message.id'] === id)!);
    const batch = spans().filter((s) => s.traceId === traceId && s.name === 'send traced');
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({ kind: SpanKind.PRODUCER, attributes: { 'messaging.batch.message_count': 3, 'messaging.operation.type': 'send' } });
    expect(batch[0].links).toEqual(creates.map((c) => ({ traceId, spanId: c.spanId })));
    for (const create of creates) expect(create).toMatchObject({ traceId, attributes: { 'messaging.operation.name': 'create', 'messaging.operation.type': 'create' } });
    const runs = await waitFor(() => {
      const found = ids.map((id) => runsOf(id)[0]);
      return found.every(Boolean) ? found : null;
    }, 'the three runs');
    runs.forEach((run, i) => expect(run.parentSpanId).toBe(creates[i].spanId));
  });

  it('a beat tick starts a root span, and the task it sends runs in its trace', async () => {
    const tick = await waitFor(() => spans().find((s) => s.name === 'beat otel-tick'), 'a beat tick span');
    expect(tick.parentSpanId).toBeUndefined();
    expect(tick.attributes).toMatchObject({ 'nestjs_tasks.schedule.name': 'otel-tick', 'nestjs_tasks.task.name': 'traced.notify' });
    const send = spans().find((s) => s.traceId === tick.traceId && s.name === 'send traced')!;
    expect(send.parentSpanId).toBe(tick.spanId);
    const run = await waitFor(() => spans().find((s) => s.traceId === tick.traceId && s.name === 'process traced'), 'the run of the tick');
    expect(run.parentSpanId).toBe(send.spanId);
  });

  it('counts sent and consumed messages per destination', async () => {
    const sentBefore = sumOf(await otel.metric('messaging.client.sent.messages'), 'traced');
    const consumedBefore = sumOf(await otel.metric('messaging.client.consumed.messages'), 'traced');
    const results = await tasks.delayMany(TracedTasks, 'add', [[1, 1], [2, 2]]);
    for (const result of results) await result.get({ timeout: 10_000 });
    // Beat ticks may add more meanwhile: at least these.
    expect(sumOf(await otel.metric('messaging.client.sent.messages'), 'traced') - sentBefore).toBeGreaterThanOrEqual(2);
    await waitFor(async () => sumOf(await otel.metric('messaging.client.consumed.messages'), 'traced') - consumedBefore >= 2, 'the consumed counter');
  });

  it('queue depth: an observable gauge per queue and state, read when the meter provider collects', async () => {
    const queue = 'otel-idle';
    await tasks.applyAsync(TracedTasks, 'add', [1, 2], { queue });
    await tasks.applyAsync(TracedTasks, 'add', [3, 4], { queue });
    await tasks.applyAsync(TracedTasks, 'add', [5, 6], { queue, countdown: 3_600_000 });
    // One key, limit 1: the first is ready, the second waits for its slot.
    for (const n of [7, 8]) await tasks.applyAsync(TracedTasks, 'add', [n, n], { queue, concurrencyKey: 'k', concurrencyLimit: 1 });
    const points = (await otel.metric('nestjs_tasks.queue.messages')).filter((p) => p.attributes['messaging.destination.name'] === queue);
    const byState = Object.fromEntries(points.map((p) => [p.attributes['nestjs_tasks.queue.state'], p.value]));
    expect(byState).toEqual({ ready: 3, delayed: 1, active: 0, dead: 0, key_waiting: 1 });
    expect(points[0].attributes['messaging.system']).toBe('nestjs-tasks');
  });

  it('eager mode: the inline run is the child of its send span, and what it enqueues joins the trace', async () => {
    const eager = await resources.taskApp({ broker: 'memory://', eager: true }, [TracedTasks]);
    let id = '';
    const traceId = await inRootSpan(async () => {
      const result = await eager.get(TaskClient).delay(TracedTasks, 'signup', 3);
      id = result.id;
      await result.get({ timeout: 5000 });
    });
    const inTrace = spans().filter((s) => s.traceId === traceId);
    const send = inTrace.find((s) => s.name === 'send traced' && s.attributes['messaging.message.id'] === id)!;
    const run = inTrace.find((s) => s.name === 'process traced' && s.attributes['messaging.message.id'] === id)!;
    expect(run).toMatchObject({ parentSpanId: send.spanId, attributes: { 'messaging.client.id': 'eager', 'nestjs_tasks.task.outcome': 'success' } });
    // The task it enqueued ran inline too, in the same trace, under the first run.
    const childSend = inTrace.find((s) => s.name === 'send traced' && s.attributes['nestjs_tasks.task.name'] === 'traced.notify')!;
    expect(childSend.parentSpanId).toBe(run.spanId);
    expect(inTrace.some((s) => s.name === 'process traced' && s.parentSpanId === childSend.spanId)).toBe(true);
    await resources.close(eager);
  });

  it('telemetry: false emits nothing and adds nothing to the message', async () => {
    const off = await resources.taskApp({ broker: testRedisUrl(), prefix: uniquePrefix('otel-off'), telemetry: false }, [TracedTasks]);
    await off.get(TaskWorker).start({ queues: ['traced'], concurrency: 1 });
    const dispatcher = off.get(TaskDispatcher);
    let id = '';
    await inRootSpan(async () => {
      expect(dispatcher.build(dispatcher.resolveName('traced.add'), [1, 2]).message).not.toHaveProperty('traceparent');
      const result = await off.get(TaskClient).delay(TracedTasks, 'add', 20, 22);
      id = result.id;
      expect(await result.get({ timeout: 10_000 })).toBe(42);
    });
    expect(spans().filter((s) => s.attributes['messaging.message.id'] === id)).toEqual([]);
    await resources.close(off);
  });
});

function sumOf(points: Array<{ attributes: Record<string, unknown>; value: unknown }>, queue: string): number {
  return points.filter((p) => p.attributes['messaging.destination.name'] === queue && p.attributes['error.type'] === undefined).reduce((n, p) => n + Number(p.value), 0);
}
