import type { DeadLetterEntry } from '../../broker/ports/queue-admin';
import type { QueueInfo } from '../../monitoring/admin/task-views';
import { json, shortJson, time } from './format';
import { html, type SafeHtml } from './html';
import { action, table } from './layout';
import { href, type PageContext } from './page-context';

export function deadLettersPage(ctx: PageContext, queues: QueueInfo[], queue: string | undefined, letters: DeadLetterEntry[]): SafeHtml {
  const picker = html`<nav class="tabs" id="dead-queues">${queues.map(
    (q) => html`<a href="${href(ctx, `/dead-letters?queue=${encodeURIComponent(q.name)}`)}" class="${q.name === queue ? 'active' : ''}">${q.name} <span class="count">${q.dead}</span></a>`,
  )}</nav>`;
  if (!queue) return html`<h1>Dead letters</h1>${picker}<p class="empty">Pick a queue.</p>`;
  const q = encodeURIComponent(queue);
  const rows = letters.map((letter) => {
    const id = encodeURIComponent(letter.id);
    const requeue = letter.message ? action(ctx, `/actions/dead-letters/${q}/${id}/requeue`, 'Requeue', { name: 'requeue' }) : html`<span class="muted small" title="${letter.decodeError ?? ''}">not requeueable</span>`;
    const remove = action(ctx, `/actions/dead-letters/${q}/${id}/delete`, 'Delete', { confirm: `Delete dead letter ${letter.id}?`, danger: true, name: 'delete' });
    return html`<tr data-dead="${letter.id}"><td class="mono">${letter.id}</td><td>${letter.message?.task ?? '?'}</td><td class="small">${letter.message ? shortJson(letter.message.args, 60) : ''}</td><td class="small">${letter.reason}</td><td>${time(letter.at)}</td><td><details><summary>raw</summary><pre>${letter.message ? json(letter.message) : (letter.raw ?? '(none)')}</pre></details></td><td>${requeue} ${remove}</td></tr>`;
  });
  return html`<h1>Dead letters <span class="muted">${queue}</span></h1>${picker}
${table(['Id', 'Task', 'Args', 'Reason', 'At', 'Message', ''], rows, `No dead letters in '${queue}'.`, 'dead-letters')}
<p class="muted small">Messages that could not be decoded or were delivered too many times (maxDeliveries). Requeue runs one again now.</p>`;
}
