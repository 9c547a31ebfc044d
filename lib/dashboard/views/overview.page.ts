import type { QueueInfo, TaskSummary } from '../../monitoring/admin/task-views';
import type { StoredEvent } from '../../broker/ports/stored-event';
import type { WorkerView } from '../../broker/ports/worker-state';
import { eventLine, queuesTable, tasksTable, workersTable } from './fragments';
import { html, type SafeHtml } from './html';
import { href, type PageContext } from './page-context';

export interface OverviewData {
  workers: WorkerView[];
  queues: QueueInfo[];
  tasks: TaskSummary[];
  events: StoredEvent[];
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
