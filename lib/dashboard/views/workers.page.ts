import type { WorkerView } from '../../broker/ports/worker-state';
import { workersTable } from './fragments';
import { html, type SafeHtml } from './html';
import type { PageContext } from './page-context';

export function workersPage(ctx: PageContext, workers: WorkerView[]): SafeHtml {
  const online = workers.filter((w) => w.status === 'online').length;
  return html`<h1>Workers <span class="muted">${online} online of ${workers.length}</span></h1>
${workersTable(ctx, workers, true)}
<p class="muted small">A worker is lost when it misses three heartbeats; workers gone for an hour are forgotten.</p>`;
}
