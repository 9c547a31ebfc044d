import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';

/** The sample as `npm start` runs it (memory://, whatever REDIS_URL the shell has): what a newcomer sees first. */
describe('sample: the first minute', () => {
  let app: INestApplication;
  let base: string;
  let startupLines: (baseUrl: string, broker: string) => string[];
  const saved = process.env.REDIS_URL;

  beforeAll(async () => {
    delete process.env.REDIS_URL; // sample/config.ts reads it on import: memory://, as `npm start` without Redis
    const [{ AppModule }, links] = await Promise.all([import('../../sample/app.module'), import('../../sample/links')]);
    startupLines = links.startupLines;
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    if (saved !== undefined) process.env.REDIS_URL = saved;
  });

  it('GET / answers with the links to the dashboard, metrics and health, and what to try', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { broker: string; links: Record<string, string>; try: string[] };
    expect(body.broker).toBe('memory://');
    expect(body.links).toEqual({ dashboard: '/dashboard', metrics: '/metrics', health: '/health' });
    expect(body.try[0]).toMatch(/^POST \/demo/);
  });

  it('every page the start-up log names answers (no 404): dashboard HTML, Prometheus text, health JSON', async () => {
    const lines = startupLines(base, 'memory://');
    expect(lines[0]).toBe(`Listening on ${base} (broker memory://)`);
    const urls = lines.flatMap((line) => [...line.matchAll(/(http:\/\/[^\s]+)/g)].map((m) => m[1])).filter((url) => url !== base);
    expect(urls).toEqual([`${base}/dashboard`, `${base}/metrics`, `${base}/health`, `${base}/demo`]);
    const dashboard = await fetch(`${base}/dashboard`);
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers.get('content-type')).toMatch(/text\/html/);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^# HELP /m);
    // No worker runs in this test app: health answers, and says so (503), rather than 404.
    const health = await fetch(`${base}/health`);
    expect([200, 503]).toContain(health.status);
    expect(await health.json()).toHaveProperty('status');
    const demo = await fetch(`${base}/demo`, { method: 'POST' });
    expect(demo.status).toBe(202);
  });

  it('POST /orders/process-all enqueues every order under its account\'s concurrency key', async () => {
    const response = await fetch(`${base}/orders/process-all`, { method: 'POST' });
    expect(response.status).toBe(202);
    const { ids } = (await response.json()) as { ids: string[] };
    expect(ids).toHaveLength(3);
    // No worker runs in this test app: the orders wait, each with its account's key.
    const { TASK_MONITORING_STORE } = await import('../../lib/internal');
    const store = app.get<import('../../lib/broker/ports/monitoring-store').MonitoringStore>(TASK_MONITORING_STORE);
    const messages = await Promise.all(ids.map((id) => store.admin.message('default', id)));
    expect(messages.map((m) => [m?.task, m?.args, m?.concurrency])).toEqual(
      [1, 2, 3].map((n) => ['OrderTasks.processOrder', [n, n], { key: `account-${n}`, limit: 2 }]),
    );
  });

  it('the log hides a Redis password', () => {
    expect(startupLines('http://localhost:3000', 'redis://user:s3cret@redis:6379/0')[0]).toBe('Listening on http://localhost:3000 (broker redis://user:***@redis:6379/0)');
    expect(startupLines('http://localhost:3000', 'redis://:s3cret@redis:6379')[0]).toContain('redis://:***@redis');
  });
});
