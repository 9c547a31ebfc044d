import type { ScheduleInfo } from '../../config/schedules/schedule-definition';
import { badge, duration, shortJson, time } from './format';
import { html, type SafeHtml } from './html';
import { action, table } from './layout';
import type { PageContext } from './page-context';

export function periodicPage(ctx: PageContext, schedules: ScheduleInfo[] | null, problem?: string): SafeHtml {
  if (schedules === null) return html`<h1>Periodic tasks</h1><p class="empty">${problem ?? 'The scheduler is not available.'}</p>`;
  const rows = schedules.map((s) => {
    const name = encodeURIComponent(s.name);
    const toggle = s.enabled
      ? action(ctx, `/actions/periodic/${name}/disable`, 'Disable', { name: 'disable' })
      : action(ctx, `/actions/periodic/${name}/enable`, 'Enable', { name: 'enable' });
    const timing = s.cron ? `${s.cron} (${s.tz ?? 'UTC'})` : `every ${duration(s.every)}`;
    return html`<tr data-schedule="${s.name}"><td class="mono">${s.name}</td><td>${s.task}</td><td class="small">${shortJson(s.args, 40)}</td><td class="mono">${timing}</td><td>${s.source}</td><td>${badge(s.enabled ? 'enabled' : 'disabled')}</td><td>${time(s.lastRunAt)}</td><td>${time(s.nextRunAt)}</td><td>${toggle}</td></tr>`;
  });
  return html`<h1>Periodic tasks</h1>
${table(['Name', 'Task', 'Args', 'Schedule', 'Source', 'State', 'Last run', 'Next run', ''], rows, 'No schedule is declared.', 'schedules')}
<p class="muted small">Schedules declared in code (@Periodic) are listed where the dashboard runs in the app that declares them; runtime schedules (TaskScheduler.add) everywhere.</p>`;
}
