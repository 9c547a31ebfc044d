import type { ConcurrencyKeyInfo } from '../../broker/ports/queue-admin';
import type { QueueInfo } from '../../monitoring/admin/task-views';
import { queuesTable } from './fragments';
import { table } from './layout';
import { html, type SafeHtml } from './html';
import type { PageContext } from './page-context';

/** A queue's concurrency keys with the most tasks waiting for a slot. */
export interface QueueKeys {
  queue: string;
  keys: ConcurrencyKeyInfo[];
}

export function queuesPage(ctx: PageContext, queues: QueueInfo[], keys: QueueKeys[] = []): SafeHtml {
  return html`<h1>Queues</h1>
${queuesTable(ctx, queues, true)}
<p class="muted small">Purge removes the waiting messages (ready, delayed and waiting for a key); running ones finish. Rates come from the last minute of events.</p>
${keys.length > 0 ? keysSection(keys) : html``}`;
}

function keysSection(keys: QueueKeys[]): SafeHtml {
  const rows = keys.flatMap(({ queue, keys: list }) =>
    list.map((k) => html`<tr data-key="${k.key}"><td class="mono">${queue}</td><td class="mono">${k.key}</td><td class="num">${k.waiting}</td><td class="num">${k.admitted}</td></tr>`),
  );
  return html`<h2>Concurrency keys at their limit</h2>
${table(['Queue', 'Key', 'Waiting', 'Holding a slot'], rows, 'No task waits for a key.', 'keys')}`;
}
