import type { QueueInfo, TaskSummary } from '../../monitoring/admin/task-views';
import type { StoredEvent } from '../../broker/ports/stored-event';
import type { WorkerView } from '../../broker/ports/worker-state';
import type { QueueDepthPoint, ThroughputPoint } from '../../monitoring/stats/task-stats';
import { lineChart, type ChartSeries } from './charts';
import { eventLine, queuesTable, tasksTable, workersTable } from './fragments';
import { html, type SafeHtml } from './html';
import { href, type PageContext } from './page-context';

export interface OverviewData {
  workers: WorkerView[];
  queues: QueueInfo[];
  tasks: TaskSummary[];
  events: StoredEvent[];
  /** The charts' window (the last hour), ms. */
  window: { from: number; to: number };
  throughput: ThroughputPoint[];
  depth: QueueDepthPoint[];
}

const QUEUE_TONES = ['c1', 'c2', 'c3', 'c4'] as const;
const NO_EVENTS = 'Charted from the events of processes with TaskModule.forRoot({ events: true }).';

/** Succeeded, failed and retried runs per minute; nothing drawn when the hour had none. */
export function throughputChart(window: OverviewData['window'], points: ThroughputPoint[]): SafeHtml {
  const any = points.some((p) => p.succeeded + p.failed + p.retried > 0);
  const line = (name: string, tone: ChartSeries['tone'], pick: (p: ThroughputPoint) => number): ChartSeries => ({
    name,
    tone,
    points: any ? points.map((p) => [p.at, pick(p)] as const) : [],
  });
  return lineChart({
    id: 'chart-throughput',
    title: 'Throughput (tasks per minute, last hour)',
    ...window,
    series: [line('succeeded', 'ok', (p) => p.succeeded), line('failed', 'bad', (p) => p.failed), line('retried', 'warn', (p) => p.retried)],
    empty: `No task finished in the last hour. ${NO_EVENTS}`,
  });
}

/** Ready messages of the (up to four) deepest queues, as the workers sampled them. */
export function depthChart(window: OverviewData['window'], points: QueueDepthPoint[]): SafeHtml {
  const peak = new Map<string, number>();
  for (const point of points) for (const [queue, n] of Object.entries(point.queues)) peak.set(queue, Math.max(peak.get(queue) ?? 0, n));
  const queues = [...peak.keys()].sort((a, b) => peak.get(b)! - peak.get(a)! || a.localeCompare(b)).slice(0, QUEUE_TONES.length);
  return lineChart({
    id: 'chart-depth',
    title: 'Queue depth (most ready messages per minute, last hour)',
    ...window,
    series: queues.map((queue, i) => ({
      name: queue,
      tone: QUEUE_TONES[i],
      points: points.filter((p) => p.queues[queue] !== undefined).map((p) => [p.at, p.queues[queue]] as const),
    })),
    empty: `No worker sampled its queues in the last hour. Workers sample them at each heartbeat when events are on (TaskModule.forRoot({ events: true })).`,
  });
}

function card(label: string, value: number | string, id: string, tone = ''): SafeHtml {
  return html`<div class="card ${tone}" id="${id}"><div class="value">${value}</div><div class="label">${label}</div></div>`;
}

export function overviewPage(ctx: PageContext, data: OverviewData): SafeHtml {
  const online = data.workers.filter((w) => w.status === 'online');
  const sum = (pick: (q: QueueInfo) => number) => data.queues.reduce((n, q) => n + pick(q), 0);
  const failedRecently = data.tasks.filter((t) => t.state === 'FAILURE').length;
  return html`
<section class="cards">
  ${card('workers online', `${online.length}`, 'card-workers', online.length === 0 ? 'bad' : 'ok')}
  ${card('running', online.reduce((n, w) => n + w.active, 0), 'card-running')}
  ${card('queued', sum((q) => q.ready), 'card-queued')}
  ${card('delayed', sum((q) => q.delayed), 'card-delayed')}
  ${card('processed / min', sum((q) => q.processedPerMinute), 'card-rate')}
  ${card('recent failures', failedRecently, 'card-failed', failedRecently > 0 ? 'bad' : '')}
  ${card('dead letters', sum((q) => q.dead), 'card-dead', sum((q) => q.dead) > 0 ? 'warn' : '')}
</section>
<section class="charts" id="charts">
  ${throughputChart(data.window, data.throughput)}
  ${depthChart(data.window, data.depth)}
</section>
<div class="grid">
  <section>
    <h2><a href="${href(ctx, '/workers')}">Workers</a></h2>
    ${workersTable(ctx, data.workers, false)}
    <h2><a href="${href(ctx, '/queues')}">Queues</a></h2>
    ${queuesTable(ctx, data.queues, false)}
    <h2><a href="${href(ctx, '/tasks')}">Recent tasks</a></h2>
    ${tasksTable(ctx, data.tasks)}
  </section>
  <aside>
    <h2>Live events</h2>
    ${data.events.length === 0 ? html`<p class="muted small" id="no-events">No events yet. Workers and producers publish them with TaskModule.forRoot({ events: true }); without them this page still shows workers, queues and stored results.</p>` : ''}
    <ul class="events" id="event-feed">${data.events.map((event) => eventLine(ctx, event))}</ul>
  </aside>
</div>`;
}
