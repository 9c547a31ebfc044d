import type { QueueInfo } from '../../monitoring/admin/task-views';
import { queuesTable } from './fragments';
import { html, type SafeHtml } from './html';
import type { PageContext } from './page-context';

export function queuesPage(ctx: PageContext, queues: QueueInfo[]): SafeHtml {
  return html`<h1>Queues</h1>
${queuesTable(ctx, queues, true)}
<p class="muted small">Purge removes the waiting messages (ready and delayed); running ones finish. Rates come from the last minute of events.</p>`;
}
