import { html, type SafeHtml } from './html';
import { href, type PageContext, type Section } from './page-context';

const SECTIONS: Array<[Section, string, string]> = [
  ['overview', 'Overview', '/'],
  ['workers', 'Workers', '/workers'],
  ['queues', 'Queues', '/queues'],
  ['tasks', 'Tasks', '/tasks'],
  ['periodic', 'Periodic', '/periodic'],
  ['dead-letters', 'Dead letters', '/dead-letters'],
];

/** The whole document around a page's content. `content` is also what a live refresh replaces. */
export function layout(ctx: PageContext, section: Section, title: string, content: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · nest-tasks</title>
<link rel="stylesheet" href="${href(ctx, '/assets/dashboard.css')}">
</head>
<body data-base="${ctx.base}" data-events="${ctx.events ? '1' : '0'}">
<header class="top">
  <a class="brand" href="${href(ctx, '/')}">nest-tasks</a>
  <nav>${SECTIONS.map(([key, label, path]) => html`<a href="${href(ctx, path)}" class="${key === section ? 'active' : ''}" data-section="${key}">${label}</a>`)}</nav>
  <span class="spacer"></span>
  ${ctx.readOnly ? html`<span class="badge muted" id="read-only" title="${ctx.readOnlyReason ?? ''}">read-only</span>` : ''}
  <span class="live" id="live-status" title="Live updates">● live</span>
  <span class="where" title="Broker and key prefix">${ctx.broker} · ${ctx.prefix}</span>
</header>
${ctx.flash ? html`<div class="flash ok" role="status">${ctx.flash}</div>` : ''}
${ctx.error ? html`<div class="flash bad" role="alert">${ctx.error}</div>` : ''}
<main id="content" data-live>${content}</main>
<script src="${href(ctx, '/assets/dashboard.js')}" defer></script>
</body>
</html>`;
}

/** A POST button (hidden in read-only mode); `confirm` asks first. */
export function action(ctx: PageContext, path: string, label: string, options: { confirm?: string; danger?: boolean; name?: string } = {}): SafeHtml {
  if (ctx.readOnly) return html``;
  return html`<form method="post" action="${href(ctx, path)}" class="inline" ${options.confirm ? html`data-confirm="${options.confirm}"` : ''}><button type="submit" class="${options.danger ? 'danger' : ''}" data-action="${options.name ?? label.toLowerCase()}">${label}</button></form>`;
}

/** A table, or a line saying there is nothing. */
export function table(headers: string[], rows: SafeHtml[], empty: string, id?: string): SafeHtml {
  if (rows.length === 0) return html`<p class="empty" ${id ? html`id="${id}"` : ''}>${empty}</p>`;
  return html`<table ${id ? html`id="${id}"` : ''}><thead><tr>${headers.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table>`;
}
