import { TaskDashboardModule } from '../../lib/internal';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createHttpApp, httpRequest } from './support/http-app';
import { OpsHarness } from './support/ops-harness';

/** The dashboard over plain HTTP, where no browser is needed. */
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
