import type { TaskDetail } from '../../monitoring/admin/task-views';
import type { RuntimeStats } from '../../monitoring/stats/task-stats';
import { formatMs, lineChart } from './charts';
import { badge, duration, isoTime, json, time } from './format';
import { html, type SafeHtml } from './html';
import { action, table } from './layout';
import { href, type PageContext } from './page-context';

/** Runtime percentiles of the task's name over the last hour: per minute, and for the whole hour. */
export function runtimeChart(window: { from: number; to: number }, stats: RuntimeStats): SafeHtml {
  const line = (name: string, tone: 'info' | 'warn' | 'bad', pick: (p: RuntimeStats['points'][number]) => number | undefined) => ({
    name,
    tone,
    points: stats.points.filter((p) => pick(p) !== undefined).map((p) => [p.at, pick(p)!] as const),
  });
  const summary =
    stats.count === 0
      ? html``
      : html`<p class="runtime-summary" id="runtime-summary"><span>runs <b>${stats.count}</b></span><span>p50 <b>${formatMs(stats.p50!)}</b></span><span>p95 <b>${formatMs(stats.p95!)}</b></span><span>p99 <b>${formatMs(stats.p99!)}</b></span></p>`;
  return html`<section class="task-charts" id="task-charts">${summary}${lineChart({
    id: 'chart-runtime',
    title: `Runtime percentiles of ${stats.task} (last hour)`,
    ...window,
    series: [line('p50', 'info', (p) => p.p50), line('p95', 'warn', (p) => p.p95), line('p99', 'bad', (p) => p.p99)],
    format: formatMs,
    empty: 'No run of this task succeeded in the last hour, or events are off (TaskModule.forRoot({ events: true })).',
  })}</section>`;
}

export function taskPage(ctx: PageContext, task: TaskDetail, runtimes?: { window: { from: number; to: number }; stats: RuntimeStats }): SafeHtml {
  const id = encodeURIComponent(task.id);
  const actions = [
    task.revocable ? action(ctx, `/actions/tasks/${id}/revoke`, 'Revoke', { confirm: 'Revoke this task?', name: 'revoke' }) : html``,
    task.revocable && task.state === 'STARTED' ? action(ctx, `/actions/tasks/${id}/revoke?terminate=1`, 'Terminate', { confirm: 'Stop this running task?', danger: true, name: 'terminate' }) : html``,
    task.retryable ? action(ctx, `/actions/tasks/${id}/retry`, 'Retry', { name: 'retry' }) : html``,
  ];
  const first = task.timeline[0]?.at;
  const timeline = task.timeline.map(
    (e) =>
      html`<tr data-event="${e.type}"><td>${badge(e.type)}</td><td>${time(e.at)}</td><td class="num">${first !== undefined ? `+${duration(e.at - first)}` : ''}</td><td class="mono small">${e.worker ?? ''}</td><td class="small">${e.error ? `${e.error.name}: ${e.error.message}` : e.runtime !== undefined ? `ran ${duration(e.runtime)}` : e.eta ? `next attempt ${isoTime(e.eta)}` : e.reason ?? ''}</td></tr>`,
  );
  return html`<h1>${task.task ?? 'Task'} <span class="mono muted small">${task.id}</span></h1>
<div class="actions" id="task-actions">${actions}</div>
<dl class="facts" id="task-facts">
  <dt>State</dt><dd id="task-state">${badge(task.state)}</dd>
  <dt>Queue</dt><dd>${task.queue ?? '—'}</dd>
  <dt>Worker</dt><dd class="mono">${task.worker ?? '—'}</dd>
  <dt>Retries</dt><dd>${task.retries ?? 0}</dd>
  <dt>Started</dt><dd>${time(task.startedAt)}</dd>
  <dt>Finished</dt><dd>${time(task.finishedAt)}</dd>
  <dt>Runtime</dt><dd>${duration(task.runtime)}</dd>
  ${task.eta ? html`<dt>Next attempt</dt><dd>${time(task.eta)}</dd>` : ''}
  ${task.reason ? html`<dt>Reason</dt><dd>${task.reason}</dd>` : ''}
</dl>
${runtimes ? runtimeChart(runtimes.window, runtimes.stats) : ''}
<h2>Arguments</h2>
<pre id="task-args">${task.args === undefined ? 'not known (not kept once a task has finished, unless it failed)' : json(task.args)}</pre>
${task.state === 'SUCCESS' ? html`<h2>Result</h2><pre id="task-result">${json(task.result)}</pre>` : ''}
${task.failure
  ? html`<h2>Error</h2><div class="error" id="task-error"><strong>${task.failure.name}</strong>: ${task.failure.message}${task.failure.stack ? html`<pre class="stack">${task.failure.stack}</pre>` : ''}</div>`
  : ''}
<h2>Timeline</h2>
${table(['Event', 'At', 'Since first', 'Worker', 'Detail'], timeline, 'No events of this task are kept.', 'timeline')}
<p><a href="${href(ctx, '/tasks')}">← all tasks</a></p>`;
}

export function notFoundPage(ctx: PageContext, id: string): SafeHtml {
  return html`<h1>Unknown task</h1>
<p class="empty" id="not-found">Nothing is known about task <span class="mono">${id}</span>: no result is stored (results expire after resultExpires) and no event of it is kept.</p>
<p><a href="${href(ctx, '/tasks')}">← all tasks</a></p>`;
}
