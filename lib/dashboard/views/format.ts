import { html, type SafeHtml } from './html';

/** The largest time a Date holds, ms either side of 1970. */
const MAX_TIME = 8.64e15;

/**
 * A stored timestamp that can be shown as a time: records come from Redis and may
 * hold anything (a string, 1e20); formatting those must not fail the page.
 */
export function isTime(at: unknown): at is number {
  return typeof at === 'number' && Number.isFinite(at) && Math.abs(at) <= MAX_TIME;
}

/** `3 s ago`, `in 2 min`; the raw value when it is not a time. */
export function ago(at: unknown, now = Date.now()): string {
  if (at === null || at === undefined || at === 0) return '—';
  if (!isTime(at)) return shortJson(at, 40);
  const delta = now - at;
  const abs = Math.abs(delta);
  const text =
    abs < 1000 ? `${Math.round(abs)} ms` : abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : abs < 86_400_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} d`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** A time as ISO text, or the raw value when it is not one. */
export function isoTime(at: unknown): string {
  return isTime(at) ? new Date(at).toISOString() : shortJson(at, 40);
}

/** A time with its ISO form as a tooltip; a dash when there is none, the raw value when it is not a time. */
export function time(at: unknown): SafeHtml {
  if (at === null || at === undefined || at === 0 || (typeof at === 'number' && Number.isNaN(at))) return html`<span class="muted">—</span>`;
  if (!isTime(at)) return html`<span class="muted invalid-time" title="not a valid time">${shortJson(at, 40)}</span>`;
  const iso = new Date(at).toISOString();
  return html`<time datetime="${iso}" title="${iso}">${ago(at)}</time>`;
}

/** `1.20 s`; a dash when unknown or not a number. */
export function duration(ms: unknown): string {
  if (ms === null || ms === undefined || (typeof ms === 'number' && Number.isNaN(ms))) return '—';
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return shortJson(ms, 40);
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
