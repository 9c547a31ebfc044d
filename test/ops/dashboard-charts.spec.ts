import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import type { BrowserContext, Page } from 'playwright-core';
import { TASK_MONITORING_STORE, TaskClient, TaskDashboardModule, TaskEventPublisher, TaskStats, TaskWorker } from '../../lib/internal';
import type { MonitoringStore } from '../../lib/broker/ports/monitoring-store';
import { runtimeBucket } from '../../lib/monitoring/stats/runtime-buckets';
import { OpsTasks } from './fixtures/ops.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { launchBrowser } from './support/browser';
import { createHttpApp } from './support/http-app';
import { OpsHarness, waitFor } from './support/ops-harness';

/** As in dashboard.spec.ts: test/screenshots, or docs/images with UPDATE_SCREENSHOTS=1. */
const shotDir = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', '..', 'docs', 'images') : join(__dirname, '..', 'screenshots');
mkdirSync(shotDir, { recursive: true });

const BACKLOG = 40;
const SLEEP_MS = 25;
const FAILURES = 3;

/**
 * The dashboard's charts, drawn on the server as SVG, in headless Chromium: throughput and
 * queue depth on the overview, runtime percentiles on a task's page, from what a real worker
 * recorded on Redis (events on).
 */
describe('dashboard charts in a real browser', () => {
  const harness = new OpsHarness();
  const prefix = uniquePrefix('ops-charts');
  let web: INestApplication;
  let url: string;
  let workerApp: INestApplicationContext;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  let sleepId = '';

  const open = async (base: string, path: string) => {
    await page.goto(`${base}/tasks${path}`);
    await page.waitForSelector('main#content');
  };
  const attr = async (selector: string, name: string) => Number(await page.getAttribute(selector, name));

  beforeAll(async () => {
    ({ app: web, url } = await createHttpApp({ broker: testRedisUrl(), prefix, events: true }, [TaskDashboardModule.register({ path: '/tasks', public: true })]));
    harness.track(web);
    // A backlog before any worker runs: the worker samples the queue's depth when it comes online.
    const client = web.get(TaskClient);
    const sleeps = await client.delayMany(OpsTasks, 'sleep', Array.from({ length: BACKLOG }, () => [SLEEP_MS] as [number]));
    sleepId = sleeps[0].id;
    const failures = await client.delayMany(OpsTasks, 'explode', Array.from({ length: FAILURES }, (_, i) => [`declined ${i}`] as [string]));
    workerApp = await harness.app({ broker: testRedisUrl(), prefix, events: true });
    await workerApp.get(TaskWorker).start({ queues: ['default'], concurrency: 2 });
    for (const result of sleeps) await result.get({ timeout: 20_000 });
    for (const result of failures) await expect(result.get({ timeout: 20_000 })).rejects.toThrow('declined');
    await workerApp.get(TaskEventPublisher).flush();
    ({ context, close: closeBrowser } = await launchBrowser());
    page = await context.newPage();
  });

  afterAll(async () => {
    await closeBrowser?.();
    await harness.closeAll();
  });

  it('overview: throughput per minute and queue depth, as SVG the browser lays out', async () => {
    // The numbers behind the charts.
    const stats = web.get(TaskStats);
    const throughput = await stats.throughput();
    expect(throughput).toHaveLength(60);
    expect(throughput.reduce((n, p) => n + p.succeeded, 0)).toBe(BACKLOG);
    expect(throughput.reduce((n, p) => n + p.failed, 0)).toBe(FAILURES);
    const depth = await waitFor('a depth sample', async () => (await stats.queueDepth()).find((p) => (p.queues.default ?? 0) > 0));
    // Sampled as the worker came online: the backlog, less what it had already taken.
    expect(depth.queues.default).toBeGreaterThan(BACKLOG / 2);
    expect(depth.queues.default).toBeLessThanOrEqual(BACKLOG + FAILURES);

    await open(url, '');
    const chart = '#chart-throughput';
    expect(await attr(`${chart} g[data-series="succeeded"]`, 'data-total')).toBe(BACKLOG);
    expect(await attr(`${chart} g[data-series="failed"]`, 'data-total')).toBe(FAILURES);
    expect(await attr(`${chart} g[data-series="succeeded"]`, 'data-points')).toBe(60);
    expect(await page.textContent(`${chart} figcaption`)).toContain('Throughput');
    expect(await page.locator(`${chart} ul.legend li`).allTextContents()).toEqual(['succeeded', 'failed', 'retried']);
    // Laid out by the browser at the card's width, with a line drawn in its colour. Read in one
    // turn of the page's script: a live refresh (it replaces the content) cannot come in between.
    const { box, line, stroke } = await page.evaluate((figure) => {
      type Rect = { width: number; height: number };
      type Element = { getBoundingClientRect(): Rect };
      const win = globalThis as unknown as { document: { querySelector(selector: string): Element | null }; getComputedStyle(element: Element): { stroke: string } };
      const measure = (element: Element | null): Rect | null => {
        const rect = element?.getBoundingClientRect();
        return rect ? { width: rect.width, height: rect.height } : null;
      };
      const polyline = win.document.querySelector(`${figure} g[data-series="succeeded"] polyline`);
      return { box: measure(win.document.querySelector(`${figure} svg`)), line: measure(polyline), stroke: polyline ? win.getComputedStyle(polyline).stroke : null };
    }, chart);
    expect(box!.width).toBeGreaterThan(250);
    expect(box!.height).toBeGreaterThan(60);
    expect(line!.width).toBeGreaterThan(box!.width / 2);
    expect(stroke).toBe('rgb(31, 138, 76)');

    expect(await page.getAttribute('#chart-depth g[data-series="default"]', 'data-points')).not.toBeNull();
    expect(await page.textContent('#chart-depth svg')).toContain(`default: ${depth.queues.default}`);
  });

  it("task page: runtime percentiles of the task's name", async () => {
    const runtimes = await web.get(TaskStats).runtimes('OpsTasks.sleep');
    expect(runtimes.count).toBe(BACKLOG);
    expect(runtimes.p50).toBeGreaterThanOrEqual(SLEEP_MS * 0.9);
    expect(runtimes.p99!).toBeGreaterThanOrEqual(runtimes.p50!);

    await open(url, `/tasks/${sleepId}`);
    expect(await page.textContent('#chart-runtime figcaption')).toContain('Runtime percentiles of OpsTasks.sleep');
    for (const series of ['p50', 'p95', 'p99']) expect(await attr(`#chart-runtime g[data-series="${series}"]`, 'data-points')).toBeGreaterThanOrEqual(1);
    const summary = await page.textContent('#runtime-summary');
    expect(summary).toContain(`runs ${BACKLOG}`);
    expect(summary).toMatch(/p50 \d+(\.\d+)? ms/);
    // For a look (test/screenshots, not tracked): the docs show the overview's charts only.
    await page.screenshot({ path: join(__dirname, '..', 'screenshots', 'dashboard-task-runtime.png'), fullPage: true });
  });

  it('says where the numbers come from when there are none', async () => {
    const { app: quiet, url: quietUrl } = await createHttpApp({ broker: testRedisUrl(), prefix: uniquePrefix('ops-charts-none'), events: true }, [
      TaskDashboardModule.register({ path: '/tasks', public: true }),
    ]);
    harness.track(quiet);
    await open(quietUrl, '');
    expect(await page.getAttribute('#chart-throughput', 'data-points')).toBe('0');
    expect(await page.textContent('#chart-throughput')).toContain('events: true');
    expect(await page.textContent('#chart-depth')).toContain('No worker sampled its queues');
  });

  it('an hour of history (written into the minute store), for the docs screenshot', async () => {
    const { app: demo, url: demoUrl } = await createHttpApp({ broker: testRedisUrl(), prefix: uniquePrefix('ops-charts-demo'), events: true }, [
      TaskDashboardModule.register({ path: '/tasks', public: true }),
    ]);
    harness.track(demo);
    const store = demo.get<MonitoringStore>(TASK_MONITORING_STORE).stats;
    const now = Math.floor(Date.now() / 60_000);
    const updates = [];
    for (let m = 0; m < 60; m++) {
      const minute = now - 59 + m;
      const wave = Math.sin(m / 6) * 0.5 + 0.5;
      updates.push({ series: 'throughput', minute, add: { succeeded: Math.round(900 + 1400 * wave + (m % 7) * 35), failed: Math.round(6 + 30 * (m > 38 && m < 46 ? 1 : 0.1) + (m % 5)), retried: Math.round(12 + 8 * wave) } });
      updates.push({ series: 'depth', minute, max: { default: Math.round(40 + 900 * wave * (m > 30 ? 1.6 : 1)), emails: Math.round(5 + 120 * (1 - wave)), reports: m % 15 < 3 ? 300 : 10 } });
      const base = 120 + 40 * wave;
      updates.push({ series: 'runtime:OpsTasks.add', minute, add: { [String(runtimeBucket(base))]: 500, [String(runtimeBucket(base * 2.2))]: 40, [String(runtimeBucket(base * 6))]: 5 } });
    }
    await store.record(updates, 600_000);
    await page.setViewportSize({ width: 1400, height: 780 });
    await open(demoUrl, '');
    expect(await attr('#chart-throughput g[data-series="succeeded"]', 'data-points')).toBe(60);
    expect(await page.locator('#chart-depth g.series').count()).toBe(3);
    await page.locator('#charts').screenshot({ path: join(shotDir, 'dashboard-charts.png') });
  });
});
