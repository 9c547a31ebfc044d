import type { QueueInfo, TaskSummary } from '../../monitoring/admin/task-views';
import type { StoredEvent } from '../../broker/ports/stored-event';
import type { WorkerView } from '../../broker/ports/worker-state';
import { badge, bytes, duration, shortJson, time } from './format';
import { html, type SafeHtml } from './html';
import { action, table } from './layout';
import { href, type PageContext } from './page-context';

export function taskLink(ctx: PageContext, id: string, label = id): SafeHtml {
  return html`<a class="mono" href="${href(ctx, `/tasks/${encodeURIComponent(id)}`)}">${label}</a>`;
}

export function workersTable(ctx: PageContext, workers: WorkerView[], detailed: boolean): SafeHtml {
  const headers = ['Worker', 'Status', 'Queues', 'Running', 'Processed', 'Failed', 'Heartbeat'];
  if (detailed) headers.push('Pool', 'Memory', 'Up since', 'Tasks running', '');
  const rows = workers.map((w) => {
    const base = html`<td class="mono">${w.id}</td><td>${badge(w.status)}</td><td>${w.queues.join(', ')}</td><td>${w.status === 'online' ? `${w.active} / ${w.concurrency}` : '—'}</td><td>${w.processed}</td><td>${w.failed}</td><td>${time(w.lastHeartbeat)}</td>`;
    if (!detailed) return html`<tr data-worker="${w.id}">${base}</tr>`;
    const running = w.running.length === 0 ? html`<span class="muted">idle</span>` : html`<ul class="plain">${w.running.map((t) => html`<li>${taskLink(ctx, t.id, t.task)} <span class="muted">${time(t.startedAt)}</span></li>`)}</ul>`;
    const shutdown = w.status === 'online' ? action(ctx, `/actions/workers/${encodeURIComponent(w.id)}/shutdown`, 'Shut down', { confirm: `Shut down worker ${w.id}?`, danger: true, name: 'shutdown' }) : html``;
    return html`<tr data-worker="${w.id}">${base}<td>${w.pool ?? '—'}</td><td>${bytes(w.rss)}</td><td>${time(w.startedAt)}</td><td>${running}</td><td>${shutdown}</td></tr>`;
  });
  return table(headers, rows, 'No worker has sent a heartbeat yet.', 'workers');
}

export function queuesTable(ctx: PageContext, queues: QueueInfo[], detailed: boolean): SafeHtml {
  const headers = ['Queue', 'Ready', 'Delayed', 'Running', 'Waiting for a key', 'Dead letters', 'Processed/min', 'Sent/min', 'Consumers'];
  if (detailed) headers.push('');
  const rows = queues.map((q) => {
    const dead = q.dead > 0 ? html`<a href="${href(ctx, `/dead-letters?queue=${encodeURIComponent(q.name)}`)}">${q.dead}</a>` : html`0`;
    const purge = detailed
      ? html`<td>${action(ctx, `/actions/queues/${encodeURIComponent(q.name)}/purge`, 'Purge', { confirm: `Purge every waiting message of '${q.name}'?`, danger: true, name: 'purge' })}</td>`
      : html``;
    const row = html`<tr data-queue="${q.name}"><td class="mono">${q.name}${q.shards ? html` <span class="muted small">${q.shards.length} shards</span>` : html``}</td><td class="num" data-col="ready">${q.ready}</td><td class="num" data-col="delayed">${q.delayed}</td><td class="num">${q.active}</td><td class="num" data-col="key-waiting">${q.keyWaiting ?? 0}</td><td class="num">${dead}</td><td class="num" data-col="processed">${q.processedPerMinute}</td><td class="num">${q.sentPerMinute}</td><td>${q.consumers.length}</td>${purge}</tr>`;
    if (!detailed || !q.shards) return row;
    // A sharded queue's shards, each on a row of its own under it.
    const shards = q.shards.map(
      (s) =>
        html`<tr data-shard="${s.name}" class="small muted"><td class="mono">↳ ${s.name}</td><td class="num">${s.ready}</td><td class="num">${s.delayed}</td><td class="num">${s.active}</td><td class="num">${s.keyWaiting ?? 0}</td><td class="num">${s.dead}</td><td></td><td></td><td></td><td></td></tr>`,
    );
    return html`${row}${shards}`;
  });
  return table(headers, rows, 'No queue has been used yet.', 'queues');
}

export function tasksTable(ctx: PageContext, tasks: TaskSummary[]): SafeHtml {
  const rows = tasks.map(
    (t) =>
      html`<tr data-task="${t.id}"><td>${taskLink(ctx, t.id, t.id.length > 13 ? `${t.id.slice(0, 8)}…` : t.id)}</td><td>${t.task ?? '?'}</td><td>${badge(t.state)}</td><td>${t.queue ?? ''}</td><td class="num">${t.retries ?? 0}</td><td>${duration(t.runtime)}</td><td class="mono small">${t.worker ?? ''}</td><td>${time(t.lastSeen)}</td><td class="small">${t.error ? `${t.error.name}: ${t.error.message}` : ''}</td></tr>`,
  );
  return table(['Id', 'Task', 'State', 'Queue', 'Retries', 'Runtime', 'Worker', 'Last seen', 'Error'], rows, 'No task matches.', 'tasks');
}

export function eventLine(ctx: PageContext, event: StoredEvent): SafeHtml {
  const subject = event.taskId ? html`${event.task ?? ''} ${taskLink(ctx, event.taskId, event.taskId.slice(0, 8))}` : html`<span class="mono">${event.worker ?? ''}</span>`;
  const extra = event.error ? `${event.error.name}: ${event.error.message}` : event.runtime !== undefined ? duration(event.runtime) : event.reason ?? (event.args !== undefined ? shortJson(event.args, 40) : '');
  return html`<li data-event="${event.type}">${time(event.at)} ${badge(event.type)} ${subject} <span class="muted">${extra}</span></li>`;
}
