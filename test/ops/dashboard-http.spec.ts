import { Logger, RequestMethod, type Type } from '@nestjs/common';
import { TASK_BROKER, TaskDashboardModule, type Broker, type TaskDashboardOptions, type TaskMessage } from '../../lib/internal';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createHttpApp, httpRequest } from './support/http-app';
import { OpsHarness } from './support/ops-harness';

/** The dashboard over plain HTTP, where no browser is needed. */

/** Every POST route of the dashboard, with its parameters filled in. */
function actionRoutes(options: TaskDashboardOptions = {}): string[] {
  const controller = TaskDashboardModule.register(options).controllers![0] as Type;
  const base = (Reflect.getMetadata('path', controller) as string).replace(/\/$/, '');
  const routes: string[] = [];
  for (const name of Object.getOwnPropertyNames(controller.prototype)) {
    const handler = (controller.prototype as Record<string, unknown>)[name];
    if (typeof handler !== 'function' || Reflect.getMetadata('method', handler) !== RequestMethod.POST) continue;
    const path = (Reflect.getMetadata('path', handler) as string).replace(':switch', 'disable').replace(/:\w+/g, 'x');
    routes.push(`${base}/${path}`);
  }
  return routes;
}

function parked(id: string): string {
  const m: TaskMessage = { v: 1, id, task: 'OpsTasks.add', args: [1, 1], queue: 'parked', sentAt: Date.now(), retries: 0 };
  return JSON.stringify(m);
}

describe('dashboard defaults: without a guard it is read-only', () => {
  const harness = new OpsHarness();
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => harness.closeAll());

  it('register({}): every action answers 403 saying why, nothing is changed, and a warning at start-up names the option', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const prefix = uniquePrefix('ops-dash-default');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({})]);
    harness.track(app);
    const broker = app.get<Broker>(TASK_BROKER);
    await broker.publish([1, 2, 3].map((i) => ({ id: `p-${i}`, queue: 'parked', body: parked(`p-${i}`) })));

    const routes = actionRoutes({});
    expect(routes).toEqual(expect.arrayContaining(['/tasks/actions/queues/x/purge', '/tasks/actions/tasks/x/retry', '/tasks/actions/tasks/x/revoke', '/tasks/actions/periodic/x/disable']));
    expect(routes.length).toBeGreaterThanOrEqual(7);
    for (const route of [...routes, '/tasks/actions/queues/parked/purge']) {
      const response = await httpRequest(`${url}${route}`, { method: 'POST', headers: { origin: url } });
      expect({ route, status: response.status }).toEqual({ route, status: 403 });
      expect(response.body).toContain('read-only');
      expect(response.body).toContain('guard');
      expect(response.body).toContain('public: true');
    }
    expect((await broker.queueSizes('parked')).ready).toBe(3);

    const page = await httpRequest(`${url}/tasks/queues`);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('method="post"');
    expect(page.body).toContain('id="read-only"');
    expect(warnings.find((w) => w.includes('read-only'))).toMatch(/guard.*public: true/);
  });

  it('a guard, or public: true, lets actions through', async () => {
    for (const options of [{ public: true }, { guard: () => true }] as TaskDashboardOptions[]) {
      const prefix = uniquePrefix('ops-dash-open');
      const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register(options)]);
      harness.track(app);
      const broker = app.get<Broker>(TASK_BROKER);
      await broker.publish([{ id: 'p-1', queue: 'parked', body: parked('p-1') }]);
      const response = await httpRequest(`${url}/tasks/actions/queues/parked/purge`, { method: 'POST', headers: { origin: url } });
      expect(response.status).toBe(303);
      expect((await broker.queueSizes('parked')).ready).toBe(0);
      await app.close();
    }
  });
});
describe('dashboard: the Host header is checked (DNS rebinding)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('answers localhost, 127.0.0.1 and [::1] by default; a forged Host is refused, even for an action with a matching Origin', async () => {
    const prefix = uniquePrefix('ops-dash-host');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({ public: true })]);
    harness.track(app);
    const port = new URL(url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`, 'localhost']) {
      expect({ host, status: (await httpRequest(`${url}/tasks`, { headers: { host } })).status }).toEqual({ host, status: 200 });
    }
    const forged = await httpRequest(`${url}/tasks`, { headers: { host: `attacker.example:${port}` } });
    expect(forged.status).toBe(421);
    expect(forged.body).toContain('allowedHosts');
    expect((await httpRequest(`${url}/tasks/api/overview`, { headers: { host: 'attacker.example' } })).status).toBe(421);

    // A page of attacker.example whose name now resolves to 127.0.0.1 posts to "its own" origin.
    const broker = app.get<Broker>(TASK_BROKER);
    await broker.publish([{ id: 'p-1', queue: 'parked', body: parked('p-1') }]);
    const rebound = `http://attacker.example:${port}`;
    const purge = await httpRequest(`${url}/tasks/actions/queues/parked/purge`, { method: 'POST', headers: { host: `attacker.example:${port}`, origin: rebound } });
    expect(purge.status).toBe(421);
    expect((await broker.queueSizes('parked')).ready).toBe(1);
  });

  it('allowedHosts adds names; X-Forwarded-Host is checked too; the address it listens on is allowed', async () => {
    const prefix = uniquePrefix('ops-dash-hosts');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({ allowedHosts: ['ops.example.com', '10.1.2.3', '::2'] })], { host: '127.0.0.2' });
    harness.track(app);
    const port = new URL(url).port;
    for (const host of ['ops.example.com', `OPS.example.com:${port}`, '10.1.2.3:8080', '[::2]', `127.0.0.2:${port}`, `localhost:${port}`]) {
      expect({ host, status: (await httpRequest(`${url}/tasks`, { headers: { host } })).status }).toEqual({ host, status: 200 });
    }
    for (const host of ['evil.example.com', 'example.com', '127.0.0.3', 'ops.example.com.attacker.example']) {
      expect({ host, status: (await httpRequest(`${url}/tasks`, { headers: { host } })).status }).toEqual({ host, status: 421 });
    }
    expect((await httpRequest(`${url}/tasks`, { headers: { 'x-forwarded-host': 'ops.example.com' } })).status).toBe(200);
    expect((await httpRequest(`${url}/tasks`, { headers: { 'x-forwarded-host': 'attacker.example, ops.example.com' } })).status).toBe(421);
  });

  it('a bad allowedHosts entry is a TaskConfigError', () => {
    expect(() => TaskDashboardModule.register({ allowedHosts: ['http://ops.example.com/'] })).toThrow(/Invalid option 'allowedHosts/);
    expect(() => TaskDashboardModule.register({ allowedHosts: 'ops.example.com' as never })).toThrow(/Invalid option 'allowedHosts'/);
  });
});

describe("dashboard: an action needs the dashboard's own Origin (CSRF)", () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('refuses a post without Origin, with Origin: null, or from another origin; accepts its own', async () => {
    const prefix = uniquePrefix('ops-dash-origin');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({ public: true })]);
    harness.track(app);
    const broker = app.get<Broker>(TASK_BROKER);
    await broker.publish([{ id: 'p-1', queue: 'parked', body: parked('p-1') }]);
    const purge = (headers: Record<string, string>) => httpRequest(`${url}/tasks/actions/queues/parked/purge`, { method: 'POST', headers });
    const port = new URL(url).port;
    for (const headers of [{} as Record<string, string>, { origin: 'null' }, { origin: 'http://attacker.example' }, { origin: 'http://127.0.0.1:1' }, { origin: `http://localhost:${port}` }, { origin: 'not a url' }]) {
      const response = await purge(headers);
      expect({ headers, status: response.status }).toEqual({ headers, status: 403 });
      expect(response.body).toMatch(/Origin/);
    }
    expect((await broker.queueSizes('parked')).ready).toBe(1);
    expect((await purge({ origin: url })).status).toBe(303);
    expect((await broker.queueSizes('parked')).ready).toBe(0);
    // Behind a proxy: the origin the browser saw is the forwarded host.
    expect((await purge({ host: 'localhost:3000', 'x-forwarded-host': 'localhost', origin: 'https://localhost' })).status).toBe(303);
  });
});

describe('dashboard: no page can be framed (clickjacking)', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it("every page, asset and refusal says frame-ancestors 'none' and X-Frame-Options: DENY", async () => {
    const prefix = uniquePrefix('ops-dash-frame');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({ guard: (request) => (request as { headers: Record<string, string> }).headers['x-admin'] !== 'no' })]);
    harness.track(app);
    const pages = ['', '/workers', '/queues', '/tasks', '/tasks/no-such-task', '/periodic', '/dead-letters', '/assets/dashboard.css', '/assets/dashboard.js', '/api/overview'];
    const responses = [
      ...(await Promise.all(pages.map(async (page) => ({ page, response: await httpRequest(`${url}/tasks${page}`) })))),
      { page: 'guard refusal', response: await httpRequest(`${url}/tasks`, { headers: { 'x-admin': 'no' } }) },
      { page: 'host refusal', response: await httpRequest(`${url}/tasks`, { headers: { host: 'attacker.example' } }) },
    ];
    for (const { page, response } of responses) {
      expect({ page, csp: response.headers['content-security-policy'], frame: response.headers['x-frame-options'] }).toEqual({ page, csp: "frame-ancestors 'none'", frame: 'DENY' });
    }
    expect(responses.map(({ response }) => response.status)).toEqual([200, 200, 200, 200, 404, 200, 200, 200, 200, 200, 403, 421]);
  });
});

describe('dashboard: stored records it did not write', () => {
  const harness = new OpsHarness();
  afterAll(() => harness.closeAll());

  it('a result record with out-of-range or non-numeric timestamps: its pages answer 200 and show the raw value', async () => {
    const prefix = uniquePrefix('ops-dash-bad');
    const { app, url } = await createHttpApp({ broker: testRedisUrl(), prefix }, [TaskDashboardModule.register({ path: '/tasks' })]);
    harness.track(app);
    const redis = harness.redis(testRedisUrl());
    const records = {
      'far-future': { id: 'far-future', state: 'SUCCESS', task: 'OpsTasks.add', result: 3, startedAt: 1e20, finishedAt: 1e20 + 5 },
      'as-strings': { id: 'as-strings', state: 'RETRY', task: 'OpsTasks.add', startedAt: 'yesterday', finishedAt: '2026-01-01', eta: -1e20, retries: 1 },
      'not-finite': { id: 'not-finite', state: 'FAILURE', task: 'OpsTasks.explode', startedAt: { at: 1 }, finishedAt: -8.7e15, error: { name: 'Error', message: 'boom' } },
    };
    for (const [id, record] of Object.entries(records)) await redis.set(`${prefix}:result:${id}`, JSON.stringify(record), 'EX', 600);

    const farFuture = await httpRequest(`${url}/tasks/tasks/far-future`);
    expect(farFuture.status).toBe(200);
    expect(farFuture.body).toContain('<pre id="task-result">3</pre>');
    expect(farFuture.body).toContain('100000000000000000000');
    const strings = await httpRequest(`${url}/tasks/tasks/as-strings`);
    expect(strings.status).toBe(200);
    expect(strings.body).toContain('yesterday');
    expect(strings.body).not.toContain('NaN');
    const notFinite = await httpRequest(`${url}/tasks/tasks/not-finite`);
    expect(notFinite.status).toBe(200);
    expect(notFinite.body).toContain('boom');
    for (const page of ['/tasks', '/tasks/tasks', '/tasks/api/overview']) expect((await httpRequest(`${url}${page}`)).status).toBe(200);
  });
});
