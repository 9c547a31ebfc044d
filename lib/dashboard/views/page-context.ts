/** What every page needs besides its data. */
export interface PageContext {
  /** Where the dashboard is mounted, without a trailing slash ('' at the root). */
  base: string;
  readOnly: boolean;
  /** Why it is read-only (the badge's tooltip). */
  readOnlyReason?: string;
  /** The message of the last action, or its error. */
  flash?: string;
  error?: string;
  /** The broker address (no credentials) and key prefix. */
  broker: string;
  prefix: string;
  /** Live updates: SSE from the event stream, else polling only. */
  events: boolean;
}

export type Section = 'overview' | 'workers' | 'queues' | 'tasks' | 'periodic' | 'dead-letters';

/** `base + path`, with each dynamic segment encoded by the caller. */
export function href(ctx: PageContext, path: string): string {
  return `${ctx.base}${path}`;
}
