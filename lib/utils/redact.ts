/**
 * Addresses and option values fit to print: no user name, password or secret query
 * parameter of a URL ever reaches an error message or a log line.
 */

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;
const SECRET_PARAM = /pass|secret|token|auth|credential/i;
const SECRET_KEY = /pass|secret|token|credential|^auth$/i;

/**
 * `value` parsed as a WHATWG URL, or null when it does not parse, or when an '@' after
 * the host shows that a '/', '?' or '#' of a password cut the URL short (the user
 * name and part of the password would then read as a host, a port or a path).
 */
export function parseUrl(value: string): URL | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (`${url.pathname}${url.search}${url.hash}`.includes('@')) return null;
  return url;
}

/** A multi-host URL (`redis+cluster://user:pass@h1:1,h2:2`) with its user name and password taken out, and its query. */
export function redactMultiHost(value: string): string {
  return value.replace(/^([^:]*:\/\/)[^/?#]*@/, '$1').replace(/[?#].*$/, '');
}

/** A URL without its credentials (and with secret query parameters masked); what cannot be read safely shows its scheme only. */
export function redactUrl(value: string): string {
  if (/^[a-z]+\+[a-z]+:\/\//i.test(value) && !value.includes(' ')) return redactMultiHost(value);
  const url = parseUrl(value);
  if (!url) {
    const scheme = SCHEME.exec(value)?.[1];
    return `${scheme ? `${scheme.toLowerCase()}://` : ''}<address hidden: not a valid URL>`;
  }
  // 'user:password@host' without a scheme parses as the scheme 'user:' and an opaque path.
  if (url.host === '' && url.href !== `${url.protocol}//`) return `${url.protocol}//<address hidden>`;
  url.username = '';
  url.password = '';
  url.hash = '';
  const secrets = [...new Set(url.searchParams.keys())].filter((key) => SECRET_PARAM.test(key));
  for (const key of secrets) url.searchParams.set(key, '***');
  return url.href;
}

/**
 * A copy of an option value for an error message: strings that look like URLs
 * redacted, keys that look like secrets hidden, class instances (a connection) named only.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return /:\/\/|@/.test(value) ? redactUrl(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 4) return '…';
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto !== Object.prototype && proto !== null) return `[${(value as { constructor?: { name?: string } }).constructor?.name || 'object'}]`;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEY.test(key) ? '<hidden>' : redactValue(item, depth + 1)]));
}
