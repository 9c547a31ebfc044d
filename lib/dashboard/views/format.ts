import { html, type SafeHtml } from './html';

/** `3 s ago`, `in 2 min`. */
export function ago(at: number | null | undefined, now = Date.now()): string {
  if (!at) return '—';
  const delta = now - at;
  const abs = Math.abs(delta);
  const text =
    abs < 1000 ? `${Math.round(abs)} ms` : abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** A time with its ISO form as a tooltip. */
export function time(at: number | null | undefined): SafeHtml {
  if (!at) return html`<span class="muted">—</span>`;
  return html`<time datetime="${new Date(at).toISOString()}" title="${new Date(at).toISOString()}">${ago(at)}</time>`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(ms / 3_600_000)} h ${Math.round((ms % 3_600_000) / 60_000)} min`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** Pretty JSON for a <pre>. */
export function json(value: unknown): string {
  if (value === undefined) return '—';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Compact JSON, cut at `max` characters. */
export function shortJson(value: unknown, max = 80): string {
  if (value === undefined) return '';
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const STATE_CLASSES: Record<string, string> = {
  SUCCESS: 'ok',
  FAILURE: 'bad',
  REVOKED: 'bad',
  RETRY: 'warn',
  STARTED: 'info',
  RECEIVED: 'info',
  PENDING: 'muted',
  online: 'ok',
  lost: 'bad',
  offline: 'muted',
  succeeded: 'ok',
  failed: 'bad',
  revoked: 'bad',
  retried: 'warn',
  started: 'info',
  received: 'info',
  sent: 'muted',
  'worker-online': 'ok',
  'worker-offline': 'muted',
  'worker-heartbeat': 'muted',
  enabled: 'ok',
  disabled: 'muted',
};

export function badge(label: string): SafeHtml {
  return html`<span class="badge ${STATE_CLASSES[label] ?? 'muted'}">${label}</span>`;
}
