/** Where a newcomer looks first: the pages the sample serves, relative to its root. */
export const SAMPLE_PAGES = {
  dashboard: { path: '/dashboard', says: 'tasks, queues, workers, schedules (Flower-like)' },
  metrics: { path: '/metrics', says: 'Prometheus metrics' },
  health: { path: '/health', says: 'the broker answers and a worker is alive' },
} as const;

/** What to try: each enqueues tasks that the in-process worker runs. */
export const SAMPLE_TRIES = [
  'POST /demo   (the welcome email of user 1; then GET /tasks/:id)',
  'POST /reports/daily   (a chain and a chord)',
  'POST /users/process-all   (a fan-out)',
  'POST /orders/process-all   (two at a time per account: a concurrency key)',
] as const;

/** A broker URL without its password. */
export function withoutPassword(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

/** The start-up log of `npm start` / api.main: where to look and what to try. */
export function startupLines(baseUrl: string, broker: string): string[] {
  const pad = (name: string) => `${name}:`.padEnd(11);
  return [
    `Listening on ${baseUrl} (broker ${withoutPassword(broker)})`,
    ...Object.entries(SAMPLE_PAGES).map(([name, page]) => `  ${pad(name)}${baseUrl}${page.path}  ${page.says}`),
    `  ${pad('try')}curl -X POST ${baseUrl}/demo`,
  ];
}
