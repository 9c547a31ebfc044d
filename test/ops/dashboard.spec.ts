import { mkdirSync } from 'node:fs';
import type { INestApplication, INestApplicationContext } from '@nestjs/common';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  TASK_BROKER,
  TaskClient,
  TaskDashboardModule,
  TaskEventPublisher,
  TaskScheduler,
  TaskWorker,
  type Broker,
  type TaskMessage,
} from '../../lib/internal';
import { OpsTasks } from './fixtures/ops.tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { launchBrowser } from './support/browser';
import { createHttpApp, httpRequest } from './support/http-app';
import { OpsHarness, waitFor } from './support/ops-harness';

/**
 * Screenshots taken by the test, in test/screenshots (not tracked). UPDATE_SCREENSHOTS=1
 * writes them to docs/images instead, where the README's come from.
 */
const shotDir = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', '..', 'docs', 'images') : join(__dirname, '..', 'screenshots');
mkdirSync(shotDir, { recursive: true });
const shot = (name: string) => join(shotDir, `${name}.png`);

function message(id: string, queue: string, task: string, args: unknown[]): string {
  const m: TaskMessage = { v: 1, id, task, args, queue, sentAt: Date.now(), retries: 0 };
  return JSON.stringify(m);
}

/**
 * The dashboard end to end: a Nest HTTP app mounts it at /tasks, a worker runs in
 * another application context on the same Redis, and headless Chromium drives it.
 */
describe('dashboard in a real browser', () => {
  const harness = new OpsHarness();
  const prefix = uniquePrefix('ops-dash');
  let web: INestApplication;
  let url: string;
  let workerApp: INestApplicationContext;
  let worker: TaskWorker;
  let client: TaskClient;
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  let page: Page;
  const ids: Record<string, string> = {};

  const flush = () => workerApp.get(TaskEventPublisher).flush();
  const open = async (path: string) => {
    await page.goto(`${url}/tasks${path}`);
    await page.waitForSelector('main#content');
  };

  beforeAll(async () => {
    ({ app: web, url } = await createHttpApp({ broker: testRedisUrl(), prefix, events: true }, [TaskDashboardModule.register({ path: '/tasks', public: true })]));
    harness.track(web);
    await web.get(TaskScheduler).add({ name: 'nightly-report', task: 'OpsTasks.add', args: [1, 2], cron: '0 3 * * *', tz: 'Europe/Paris' });
    workerApp = await harness.app({ broker: testRedisUrl(), prefix, events: true });
    worker = workerApp.get(TaskWorker);
    await worker.start({ queues: ['default', 'emails', 'dlq'], concurrency: 3 });
    client = workerApp.get(TaskClient);

    // Some history to look at.
    for (let i = 1; i <= 6; i++) await (await client.delay(OpsTasks, 'add', i, i * 10)).get({ timeout: 10_000 });
    const mail = await client.delay(OpsTasks, 'sendEmail', 'ada@example.com');
    await mail.get({ timeout: 10_000 });
    const failed = await client.delay(OpsTasks, 'explode', 'card declined');
    await expect(failed.get({ timeout: 10_000 })).rejects.toThrow();
    ids.failed = failed.id;
    ids.flakyKey = uniquePrefix('dash-flaky');
    const flaky = await client.delay(OpsTasks, 'flakyOnce', ids.flakyKey);
    await expect(flaky.get({ timeout: 10_000 })).rejects.toThrow();
    ids.flaky = flaky.id;
    ids.sum = (await client.delay(OpsTasks, 'add', 1, 2)).id;
    await client.result(ids.sum).get({ timeout: 10_000 });
    ids.delayed = (await client.applyAsync(OpsTasks, 'add', [7, 7], { countdown: 3_600_000 })).id;
    ids.running = (await client.delay(OpsTasks, 'sleep', 60_000)).id;
    await waitFor('the long task to start', async () => (await client.result(ids.running).state()) === 'STARTED');
    await flush();

    ({ context, close: closeBrowser } = await launchBrowser());
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await closeBrowser?.();
    await client?.revoke(ids.running, { terminate: true }).catch(() => undefined);
    await harness.closeAll();
  });

  it('overview: workers online, queues and recent tasks (screenshot for the README)', async () => {
    await open('');
    await page.waitForSelector(`#workers tr[data-worker="${worker.id}"] .badge.ok`);
    expect(await page.textContent(`#workers tr[data-worker="${worker.id}"]`)).toContain('online');
    expect(await page.textContent('#card-workers .value')).toBe('1');
    expect(await page.textContent('#queues tr[data-queue="default"] [data-col="delayed"]')).toBe('1');
    await page.waitForSelector(`#tasks tr[data-task="${ids.failed}"] .badge.bad`);
    expect(await page.textContent(`#tasks tr[data-task="${ids.failed}"]`)).toContain('NonRetryableError: card declined');
    expect(await page.locator('#event-feed li').count()).toBeGreaterThan(5);
    await page.waitForSelector('#live-status.on');
    await page.screenshot({ path: shot('dashboard'), fullPage: false });
  });

  it('updates live: a task sent after the page loaded shows up without a reload', async () => {
    await open('');
    const loadedAt = await page.evaluate(() => performance.timeOrigin);
    const result = await client.delay(OpsTasks, 'add', 40, 2);
    await result.get({ timeout: 10_000 });
    await flush();
    await page.waitForSelector(`#tasks tr[data-task="${result.id}"] .badge.ok`, { timeout: 15_000 });
    expect(await page.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
    expect(await page.getAttribute('body', 'data-refreshed')).not.toBeNull();
  });

  it('workers: what each worker is running, its pool, memory and heartbeat', async () => {
    await open('/workers');
    const row = page.locator(`#workers tr[data-worker="${worker.id}"]`);
    await row.locator(`a[href="/tasks/tasks/${ids.running}"]`).waitFor();
    expect(await row.textContent()).toContain('OpsTasks.sleep');
    expect(await row.locator('button[data-action="shutdown"]').count()).toBe(1);
    await page.screenshot({ path: shot('dashboard-workers'), fullPage: true });
  });

  it('tasks: search by name and state', async () => {
    await open('/tasks');
    await page.fill('input[name="name"]', 'explode');
    await page.selectOption('select[name="state"]', 'FAILURE');
    await Promise.all([page.waitForURL(/state=FAILURE/), page.click('#task-search button[type="submit"]')]);
    const rows = page.locator('#tasks tbody tr');
    expect(await rows.count()).toBeGreaterThanOrEqual(1);
    for (const text of await rows.allTextContents()) {
      expect(text).toContain('OpsTasks.explode');
      expect(text).toContain('FAILURE');
    }
    await open(`/tasks?id=${ids.sum.slice(0, 8)}`);
    expect(await page.locator('#tasks tbody tr').count()).toBe(1);
  });

  it('task detail: args, result, error with its stack, retries and the timeline', async () => {
    await open(`/tasks/${ids.failed}`);
    expect(await page.textContent('#task-state')).toContain('FAILURE');
    expect(JSON.parse((await page.textContent('#task-args'))!)).toEqual(['card declined']);
    expect(await page.textContent('#task-error strong')).toBe('NonRetryableError');
    expect(await page.textContent('#task-error pre.stack')).toMatch(/NonRetryableError: card declined\s+at OpsTasks.explode/);
    expect(await page.locator('#timeline tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event')))).toEqual(['sent', 'received', 'started', 'failed']);
    expect(await page.textContent('#task-facts')).toContain('Retries0');
    await page.screenshot({ path: shot('dashboard-task'), fullPage: true });

    await open(`/tasks/${ids.sum}`);
    expect(await page.textContent('#task-result')).toBe('3');
    expect(await page.locator('#task-actions button').count()).toBe(0);

    const missing = await page.goto(`${url}/tasks/tasks/no-such-id`);
    expect(missing?.status()).toBe(404);
    expect(await page.textContent('#not-found')).toContain('no-such-id');
  });

  it('retry a failed task: it runs again under a new id', async () => {
    await open(`/tasks/${ids.flaky}`);
    await Promise.all([page.waitForURL((u) => u.pathname !== `/tasks/tasks/${ids.flaky}`), page.click('button[data-action="retry"]')]);
    expect(await page.textContent('.flash.ok')).toContain(`Task ${ids.flaky} sent again as`);
    const newId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    await expect(client.result(newId).get({ timeout: 10_000 })).resolves.toBe(`ok ${ids.flakyKey}`);
    await page.reload();
    expect(await page.textContent('#task-state')).toContain('SUCCESS');
  });

  it('revoke a task that has not run yet', async () => {
    await open(`/tasks/${ids.delayed}`);
    expect(await page.textContent('#task-args')).toContain('7');
    await page.click('button[data-action="revoke"]');
    await page.waitForSelector('.flash.ok');
    expect(await page.textContent('.flash.ok')).toContain(`Task ${ids.delayed} revoked`);
    expect(await page.textContent('#task-state')).toContain('REVOKED');
    expect(await client.result(ids.delayed).state()).toBe('REVOKED');
  });

  it('queues: lengths and rates, and purge after a confirmation', async () => {
    const broker = workerApp.get<Broker>(TASK_BROKER);
    await broker.publish(Array.from({ length: 50 }, (_, i) => ({ id: `parked-${i}`, queue: 'parked', body: message(`parked-${i}`, 'parked', 'OpsTasks.add', [i, i]) })));
    await open('/queues');
    expect(await page.textContent('#queues tr[data-queue="parked"] [data-col="ready"]')).toBe('50');
    expect(Number(await page.textContent('#queues tr[data-queue="default"] [data-col="processed"]'))).toBeGreaterThan(0);
    await page.click('#queues tr[data-queue="parked"] button[data-action="purge"]');
    await page.waitForSelector('.flash.ok');
    expect(await page.textContent('.flash.ok')).toContain("Purged 50 message(s) from 'parked'");
    expect(await page.textContent('#queues tr[data-queue="parked"] [data-col="ready"]')).toBe('0');
    expect(await broker.queueSizes('parked')).toMatchObject({ ready: 0 });
  });

  it('periodic: next and last run, disable and enable', async () => {
    await open('/periodic');
    const row = page.locator('#schedules tr[data-schedule="nightly-report"]');
    expect(await row.textContent()).toContain('0 3 * * * (Europe/Paris)');
    expect(await row.textContent()).toContain('enabled');
    expect(await row.locator('time').count()).toBe(1); // the next run; no last run yet
    await row.locator('button[data-action="disable"]').click();
    await page.waitForSelector('.flash.ok');
    expect(await page.locator('#schedules tr[data-schedule="nightly-report"]').textContent()).toContain('disabled');
    expect((await web.get(TaskScheduler).list()).find((s) => s.name === 'nightly-report')?.enabled).toBe(false);
    await page.locator('#schedules tr[data-schedule="nightly-report"] button[data-action="enable"]').click();
    await page.waitForSelector('.flash.ok');
    expect((await web.get(TaskScheduler).list()).find((s) => s.name === 'nightly-report')?.enabled).toBe(true);
  });

  it('dead letters: inspect, requeue (it runs) and delete', async () => {
    const broker = workerApp.get<Broker>(TASK_BROKER);
    await broker.publish([{ id: 'mangled-1', queue: 'dlq', body: '{"v":1,"id":"mangled-1"' }]);
    await broker.settle([{ kind: 'dead', queue: 'dlq', id: 'lost-1', lease: '', raw: message('lost-1', 'dlq', 'OpsTasks.add', [30, 12]), reason: 'delivered 10 times without finishing' }], []);
    await waitFor('the mangled message to be dead-lettered', async () => (await broker.deadLetters('dlq')).length === 2);
    await open('/dead-letters?queue=dlq');
    expect(await page.textContent('#dead-letters tr[data-dead="lost-1"]')).toContain('OpsTasks.add');
    expect(await page.textContent('#dead-letters tr[data-dead="mangled-1"]')).toContain('not JSON');
    expect(await page.locator('#dead-letters tr[data-dead="mangled-1"] button[data-action="requeue"]').count()).toBe(0);
    await page.screenshot({ path: shot('dashboard-dead-letters'), fullPage: true });
    await page.click('#dead-letters tr[data-dead="lost-1"] button[data-action="requeue"]');
    await page.waitForSelector('.flash.ok');
    await expect(client.result('lost-1').get({ timeout: 10_000 })).resolves.toBe(42);
    await page.click('#dead-letters tr[data-dead="mangled-1"] button[data-action="delete"]');
    await page.waitForSelector('.flash.ok');
    expect(await page.textContent('#dead-letters, .empty')).toContain("No dead letters in 'dlq'");
    expect(await broker.deadLetters('dlq')).toEqual([]);
  });

  it('refuses actions posted from another site', async () => {
    const response = await httpRequest(`${url}/tasks/actions/queues/default/purge`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(response.status).toBe(403);
  });
});

describe('dashboard guard and read-only mode', () => {
  const harness = new OpsHarness();
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  afterAll(async () => {
    await closeBrowser?.();
    await harness.closeAll();
  });

  it('a guard function decides who sees it; read-only hides and refuses every action', async () => {
    const prefix = uniquePrefix('ops-guard');
    const guard = (request: unknown) => (request as { headers: Record<string, string> }).headers['x-admin'] === 'yes';
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix, events: true }, [TaskDashboardModule.register({ path: '/ops', guard, readOnly: true })], {
      configure: (a) => a.setGlobalPrefix('admin'),
    });
    harness.track(app);
    const client = app.get(TaskClient);
    const failed = await client.delay(OpsTasks, 'explode', 'nope');
    await app.get(TaskWorker).start({ concurrency: 1 });
    await expect(failed.get({ timeout: 10_000 })).rejects.toThrow();
    await app.get(TaskEventPublisher).flush();

    expect((await httpRequest(`${url}/admin/ops`)).status).toBe(403);
    const post = await httpRequest(`${url}/admin/ops/actions/tasks/${failed.id}/retry`, { method: 'POST', headers: { 'x-admin': 'yes' } });
    expect(post.status).toBe(403);
    expect(post.body).toContain('read-only');

    ({ context, close: closeBrowser } = await launchBrowser());
    await context.setExtraHTTPHeaders({ 'x-admin': 'yes' });
    const page = await context.newPage();
    await page.goto(`${url}/admin/ops/tasks/${failed.id}`);
    expect(await page.textContent('#read-only')).toBe('read-only');
    expect(await page.textContent('#task-state')).toContain('FAILURE');
    expect(await page.locator('button').count()).toBe(0);
    // Links follow the global prefix.
    expect(await page.getAttribute('a[data-section="queues"]', 'href')).toBe('/admin/ops/queues');
    await page.goto(`${url}/admin/ops/queues`);
    expect(await page.locator('button[data-action="purge"]').count()).toBe(0);
  });
});

describe('dashboard on the memory broker (API and worker in one process, like the sample)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('shows the in-process worker, queues and tasks', async () => {
    const { app, url } = await createHttpApp({ broker: 'memory://', events: true }, [TaskDashboardModule.register()]);
    harness.track(app);
    const worker = app.get(TaskWorker);
    await worker.start({ queues: ['default', 'emails'], concurrency: 2 });
    const done = await app.get(TaskClient).delay(OpsTasks, 'add', 2, 3);
    await done.get({ timeout: 5000 });
    await app.get(TaskEventPublisher).flush();
    const overview = await httpRequest(`${url}/tasks`);
    expect(overview.status).toBe(200);
    expect(overview.body).toContain(`data-worker="${worker.id}"`);
    expect(overview.body).toContain(`data-task="${done.id}"`);
    expect(overview.body).toContain('memory://');
    const detail = await httpRequest(`${url}/tasks/tasks/${done.id}`);
    expect(detail.body).toContain('<pre id="task-result">5</pre>');
    const partial = await httpRequest(`${url}/tasks/queues`, { headers: { 'x-dashboard-partial': '1' } });
    expect(partial.body.startsWith('<h1>Queues</h1>')).toBe(true);
    expect(partial.body).not.toContain('<html');
  });
});
