import { Logger } from '@nestjs/common';
import { MemoryBroker } from '../../lib/internal';
import type { StoredEvent } from '../../lib/broker/ports/stored-event';
import type { TaskAdmin } from '../../lib/monitoring/admin/task-admin';
import type { TaskEventTail } from '../../lib/monitoring/events/task-event-tail';
import { resolveMetricsOptions } from '../../lib/monitoring/metrics/metrics-options';
import { TaskMetrics } from '../../lib/monitoring/metrics/task-metrics';
import { WorkerControl } from '../../lib/worker/worker-control';
import { waitFor } from '../support/wait';

/** What a long-running worker keeps in memory must not grow with what it is told. */
describe('bounded memory in a worker', () => {
  let broker: MemoryBroker;
  let control: WorkerControl;

  beforeEach(async () => {
    broker = new MemoryBroker();
    await broker.connect();
    control = new WorkerControl(broker, new Logger('test'), () => undefined);
    await control.start();
  });

  afterEach(async () => {
    control.stop();
    await broker.close();
  });

  it('forgets a revocation once its time is up, and keeps at most 100,000', async () => {
    await broker.broadcast({ type: 'revoke', ids: ['short'], terminate: false, until: Date.now() + 50 });
    await broker.broadcast({ type: 'revoke', ids: ['long'], terminate: false, until: Date.now() + 60_000 });
    expect(control.isRevoked('short')).toBe(true);
    await waitFor(() => !control.isRevoked('short'), 'the short revocation to run out');
    expect(control.isRevoked('long')).toBe(true);

    const ids = Array.from({ length: 150_000 }, (_, i) => `bulk-${i}`);
    await broker.broadcast({ type: 'revoke', ids, terminate: false, until: Date.now() + 60_000 });
    expect(control.revokedCount).toBeLessThanOrEqual(100_000);
    expect(control.isRevoked('bulk-149999')).toBe(true);
    expect(control.isRevoked('bulk-0')).toBe(false);
  });

  it('caches rates only for tasks that declare one', () => {
    for (let i = 0; i < 10_000; i++) expect(control.rateFor(`unknown-${i}`, undefined)).toBeNull();
    expect(control.rateFor('known', '10/s')).toEqual({ count: 10, intervalMs: 1000 });
    expect(control.cachedRates).toBe(1);
  });
});

describe('bounded metrics', () => {
  it('gives at most maxTaskLabels task names a label series of their own; the rest count as other', async () => {
    let deliver: (events: StoredEvent[]) => void = () => undefined;
    const tail = { subscribe: async (listener: (events: StoredEvent[]) => void) => ((deliver = listener), () => undefined) };
    const admin = { queues: async () => [], workers: async () => [] };
    const metrics = new TaskMetrics(resolveMetricsOptions({ path: null, maxTaskLabels: 3 }), admin as unknown as TaskAdmin, tail as unknown as TaskEventTail);
    await metrics.onModuleInit();
    deliver(Array.from({ length: 1000 }, (_, i) => ({ id: `${i}-0`, type: 'sent', at: i, task: `task-${i}`, taskId: `id-${i}` }) satisfies StoredEvent));
    const text = await metrics.metrics();
    const series = text.split('\n').filter((line) => line.startsWith('nest_tasks_tasks_total{'));
    expect(series).toEqual([
      'nest_tasks_tasks_total{task="task-0",state="sent"} 1',
      'nest_tasks_tasks_total{task="task-1",state="sent"} 1',
      'nest_tasks_tasks_total{task="task-2",state="sent"} 1',
      'nest_tasks_tasks_total{task="other",state="sent"} 997',
    ]);
    metrics.onModuleDestroy();
  });
});
