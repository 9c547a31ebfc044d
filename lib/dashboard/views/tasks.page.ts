import type { TaskFilter, TaskSummary } from '../../monitoring/admin/task-views';
import { TaskState } from '../../serialization/task-state';
import { tasksTable } from './fragments';
import { html, type SafeHtml } from './html';
import { href, type PageContext } from './page-context';

export function tasksPage(ctx: PageContext, filter: TaskFilter, tasks: TaskSummary[]): SafeHtml {
  const states = Object.values(TaskState);
  return html`<h1>Tasks</h1>
<form class="search" method="get" action="${href(ctx, '/tasks')}" id="task-search">
  <input name="id" placeholder="Task id" value="${filter.id ?? ''}" aria-label="Task id">
  <input name="name" placeholder="Task name contains" value="${filter.name ?? ''}" aria-label="Task name">
  <select name="state" aria-label="State">
    <option value="">any state</option>
    ${states.map((s) => html`<option value="${s}" ${filter.state === s ? 'selected' : ''}>${s}</option>`)}
  </select>
  <button type="submit">Search</button>
</form>
${tasksTable(ctx, tasks)}
<p class="muted small">From the event stream (the latest events) and the stored results.</p>`;
}
