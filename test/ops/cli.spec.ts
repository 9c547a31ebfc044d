import type { INestApplicationContext } from '@nestjs/common';
import { createServer } from 'node:net';
import { TASK_BROKER, TaskClient, type Broker, type TaskMessage } from '../../lib/internal';
import { OpsTasks } from './fixtures/ops.tasks';
import { freePort } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { runCli, startCli, type CliProcess } from './support/cli-runner';
import { httpRequest } from './support/http-app';
import { OpsHarness, waitFor } from './support/ops-harness';

const OPS_MODULE = 'test/ops/fixtures/ops-app.module.ts#OpsAppModule';
const BEAT_MODULE = 'test/ops/fixtures/beat-app.module.ts';

function parked(id: string): string {
  const m: TaskMessage = { v: 1, id, task: 'OpsTasks.add', args: [1, 1], queue: 'parked', sentAt: Date.now(), retries: 0 };
  return JSON.stringify(m);
}

/** `nest-tasks` as users run it, spawned against the suite's Redis. */
describe('nest-tasks worker, inspect, control, purge, revoke', () => {
  const harness = new OpsHarness();
  const prefix = uniquePrefix('ops-cli');
  const env = { REDIS_URL: testRedisUrl(), NEST_TASKS_PREFIX: prefix };
  let worker: CliProcess;
  let workerId: string;
  let app: INestApplicationContext;
  let client: TaskClient;

  beforeAll(async () => {
    worker = startCli(['worker', '--module', OPS_MODULE, '-Q', 'default,emails:2', '-c', '2'], env);
    workerId = (await worker.waitFor(/Worker \S+ is ready/)).split(' ')[1];
    app = await harness.app({ broker: testRedisUrl(), prefix }, [OpsTasks]);
    client = app.get(TaskClient);
  });
  afterAll(async () => {
    await worker?.stop();
    await harness.closeAll();
  });

  it('worker: runs tasks from the queues it was given', async () => {
    expect(worker.stdout + worker.stderr).toContain('consuming default, emails');
    await expect((await client.delay(OpsTasks, 'add', 20, 22)).get({ timeout: 15_000 })).resolves.toBe(42);
    await expect((await client.delay(OpsTasks, 'sendEmail', 'ops@example.com')).get({ timeout: 15_000 })).resolves.toBe('sent to ops@example.com');
  });

  it('inspect ping / stats / registered (--json and text)', async () => {
    const ping = await runCli(['inspect', 'ping', '--json'], env);
    expect(ping).toMatchObject({ code: 0 });
    expect(JSON.parse(ping.stdout)).toEqual({ [workerId]: 'pong' });

    const stats = await runCli(['inspect', 'stats', '--json'], env);
    expect(JSON.parse(stats.stdout)[workerId]).toMatchObject({ id: workerId, pid: worker.child.pid, concurrency: 2, queues: ['default', 'emails'] });
    expect(JSON.parse(stats.stdout)[workerId].processed).toBeGreaterThanOrEqual(2);

    const registered = await runCli(['inspect', 'registered'], env);
    expect(registered.stdout).toContain(`-> ${workerId}:`);
    expect(registered.stdout).toContain('   * OpsTasks.sendEmail');
    expect(registered.stdout).toContain('1 worker(s) replied.');
  });

  it('inspect active / scheduled / queues / workers', async () => {
    const long = await client.delay(OpsTasks, 'sleep', 20_000);
    const later = await client.applyAsync(OpsTasks, 'add', [5, 5], { countdown: 600_000 });
    await waitFor('the long task to start', async () => (await long.state()) === 'STARTED', 15_000);

    const active = await runCli(['inspect', 'active'], env);
    expect(active.stdout).toContain(`-> ${workerId}: 1 task(s)`);
    expect(active.stdout).toContain(`* OpsTasks.sleep[${long.id}] [20000] started`);

    const scheduled = await runCli(['inspect', 'scheduled', '--json'], env);
    expect(JSON.parse(scheduled.stdout)).toEqual([expect.objectContaining({ id: later.id, queue: 'default', message: expect.objectContaining({ args: [5, 5] }) })]);

    const queues = await runCli(['inspect', 'queues'], env);
    expect(queues.stdout).toMatch(/^Queue\s+Ready\s+Delayed\s+Active\s+Dead\s+Key-waiting\s+Consumers/m);
    expect(queues.stdout).toMatch(/^default\s+0\s+1\s+1\s+0\s+0\s+1/m);

    const workers = await runCli(['inspect', 'workers'], env);
    expect(workers.stdout).toMatch(new RegExp(`^${workerId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+online\\s+default,emails\\s+1/2`, 'm'));

    const revoke = await runCli(['revoke', long.id, later.id, '--terminate'], env);
    // What it printed comes with a failure.
    expect({ code: revoke.code, stderr: revoke.code === 0 ? '' : revoke.stderr }).toEqual({ code: 0, stderr: '' });
    expect(revoke.stdout).toContain(`Revoked ${long.id} (terminate).`);
    await waitFor('both to be revoked', async () => (await long.state()) === 'REVOKED' && (await later.state()) === 'REVOKED', 15_000);
  });

  it('control rate-limit: stored for every worker, each live worker answers', async () => {
    const set = await runCli(['control', 'rate-limit', 'OpsTasks.add', '10/m'], env);
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain(`-> ${workerId}: rate limit set`);
    expect(await app.get<Broker>(TASK_BROKER).rateLimits()).toEqual({ 'OpsTasks.add': '10/m' });
    const bad = await runCli(['control', 'rate-limit', 'OpsTasks.add', 'quickly'], env);
    expect(bad).toMatchObject({ code: 1 });
    expect(bad.stderr).toContain("Invalid option 'setRateLimit(OpsTasks.add).rate'");
    await runCli(['control', 'rate-limit', 'OpsTasks.add', 'none'], env);
    expect(await app.get<Broker>(TASK_BROKER).rateLimits()).toEqual({});
  });

  it('purge: refuses without --force when it cannot ask; purges a large queue with --force', async () => {
    const broker = app.get<Broker>(TASK_BROKER);
    await broker.publish(Array.from({ length: 3000 }, (_, i) => ({ id: `p-${i}`, queue: 'parked', body: parked(`p-${i}`) })));
    const refused = await runCli(['purge', '-Q', 'parked'], env);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.stderr).toContain('Refusing to purge without --force');
    expect((await broker.queueSizes('parked')).ready).toBe(3000);
    const purged = await runCli(['purge', '-Q', 'parked', '--force'], env);
    expect(purged).toMatchObject({ code: 0 });
    expect(purged.stdout).toContain("Purged 3000 message(s) from 'parked'.");
    expect((await broker.queueSizes('parked')).ready).toBe(0);
  });

  it('control shutdown: the worker finishes and its process exits 0', async () => {
    const shutdown = await runCli(['control', 'shutdown', '-d', workerId], env);
    expect(shutdown.stdout).toContain(`-> ${workerId}: shutting down`);
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(worker.stdout + worker.stderr).toMatch(/Worker \S+ stopped after \d+ task\(s\)/);
    const none = await runCli(['inspect', 'ping', '--timeout', '300'], env);
    expect(none).toMatchObject({ code: 2 });
    expect(none.stderr).toContain('No worker replied within 300 ms');
  });
});

describe('nest-tasks errors say what is wrong', () => {
  const env = { REDIS_URL: testRedisUrl(), NEST_TASKS_PREFIX: uniquePrefix('ops-cli-err') };

  it('a wrong module path, a missing export, a module without TaskModule', async () => {
    const [missing, noExport, noTasks, ambiguous] = await Promise.all([
      runCli(['worker', '--module', 'dist/nowhere/app.module.js'], env),
      runCli(['worker', '--module', 'test/ops/fixtures/ops-app.module.ts#Nope'], env),
      runCli(['worker', '--module', 'test/ops/fixtures/ops-app.module.ts#NotATaskModule'], env),
      runCli(['beat', '--module', 'test/ops/fixtures/ops-app.module.ts'], env),
    ]);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toMatch(/Cannot load --module dist\/nowhere\/app.module.js: no such file: \/.*dist\/nowhere\/app.module.js/);
    expect(noExport.stderr).toContain("it has no export 'Nope' (it exports: NotATaskModule, OpsAppModule)");
    expect(noTasks.stderr).toContain('it does not import TaskModule.forRoot(...)');
    expect(ambiguous.stderr).toContain('it exports several Nest modules (NotATaskModule, OpsAppModule): pick one with #Name');
  });

  it('an unreachable broker, a memory:// broker, a bad option', async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const [unreachable, memory, pool] = await Promise.all([
      runCli(['inspect', 'ping', '--broker', `redis://127.0.0.1:${closed}`]),
      runCli(['purge', '-Q', 'x', '--force', '--broker', 'memory://']),
      runCli(['worker', '--module', OPS_MODULE, '--pool', 'threads'], env),
    ]);
    expect(unreachable).toMatchObject({ code: 1 });
    expect(unreachable.stderr).toContain(`nest-tasks: Cannot reach the broker at redis://127.0.0.1:${closed}/0`);
    expect(memory.stderr).toContain("Invalid option '--broker'");
    expect(pool).toMatchObject({ code: 1 });
    expect(pool.stderr).toContain("Allowed choices are inline, process");
  });

  it('a --broker with a wrong scheme or a mangled password: named without its credentials', async () => {
    const [scheme, slash] = await Promise.all([
      runCli(['inspect', 'ping', '--broker', 'http://ops:hun@ter2@redis.internal:6379/0']),
      runCli(['purge', '-Q', 'x', '--force', '--broker', 'redis://ops:hun/ter2@redis.internal:6379/0']),
    ]);
    expect(scheme).toMatchObject({ code: 1 });
    expect(scheme.stderr).toContain("Invalid option '--broker'");
    expect(scheme.stderr).toContain('http://redis.internal:6379/0');
    expect(slash).toMatchObject({ code: 1 });
    expect(slash.stderr).toContain("Invalid option '--broker'");
    for (const out of [scheme.stdout + scheme.stderr, slash.stdout + slash.stderr]) {
      expect(out).not.toContain('hun');
      expect(out).not.toContain('ter2');
    }
  });
});

describe('nest-tasks beat, worker --pool process, dashboard', () => {
  const harness = new OpsHarness();
  const running: CliProcess[] = [];
  afterAll(async () => {
    for (const cli of running) await cli.stop();
    await harness.closeAll();
  });

  it('beat sends the @Periodic ticks; a worker with --pool process runs tasks in children', async () => {
    const prefix = uniquePrefix('ops-cli-beat');
    const env = { REDIS_URL: testRedisUrl(), NEST_TASKS_PREFIX: prefix };
    const beat = startCli(['beat', '--module', BEAT_MODULE], env);
    running.push(beat);
    await beat.waitFor(/Beat is running with 1 schedule\(s\)/);
    const app = await harness.app({ broker: testRedisUrl(), prefix }, []);
    const broker = app.get<Broker>(TASK_BROKER);
    await waitFor('two ticks in the beat queue', async () => (await broker.queueSizes('beat')).ready >= 2, 20_000);
    expect(await beat.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(beat.stdout + beat.stderr).toMatch(/Scheduler \S+ stopped/);

    const worker = startCli(['worker', '--module', BEAT_MODULE, '--pool', 'process', '-c', '1'], env);
    running.push(worker);
    await worker.waitFor(/is ready/);
    expect(worker.stdout + worker.stderr).toContain('process pool');
    const pid = await (await app.get(TaskClient).send<number>('BeatTasks.pid')).get({ timeout: 30_000 });
    expect(pid).not.toBe(worker.child.pid);
    await worker.stop();
    expect(worker.stdout + worker.stderr).toMatch(/Worker \S+ stopped after 1 task\(s\)/);
  });

  it('dashboard serves the pages and /metrics standalone, behind --basic-auth', async () => {
    const prefix = uniquePrefix('ops-cli-dash');
    const port = await freePort();
    const dashboard = startCli(['dashboard', '--port', String(port), '--basic-auth', 'ops:s3cret', '--allowed-host', 'dash.internal', '--allowed-host', 'tasks.internal', '--broker', testRedisUrl(), '--prefix', prefix]);
    running.push(dashboard);
    await dashboard.waitFor(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    const base = `http://127.0.0.1:${port}`;
    const denied = await httpRequest(`${base}/`);
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toContain('Basic realm="nest-tasks"');
    const auth = { authorization: `Basic ${Buffer.from('ops:s3cret').toString('base64')}` };
    const page = await httpRequest(`${base}/queues`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Queues</h1>');
    expect(page.body).toContain(`${prefix}</span>`);
    // DNS rebinding: a page of attacker.example, its name resolved to 127.0.0.1, sends its own Host.
    const forged = await httpRequest(`${base}/queues`, { headers: { ...auth, host: `attacker.example:${port}` } });
    expect(forged.status).toBe(421);
    for (const host of [`dash.internal:${port}`, 'tasks.internal', `localhost:${port}`]) expect((await httpRequest(`${base}/queues`, { headers: { ...auth, host } })).status).toBe(200);
    // --basic-auth is a guard: actions are allowed (from the dashboard's own origin).
    expect((await httpRequest(`${base}/actions/queues/parked/purge`, { method: 'POST', headers: { ...auth, origin: base } })).status).toBe(303);
    expect((await httpRequest(`${base}/actions/queues/parked/purge`, { method: 'POST', headers: { origin: base } })).status).toBe(401);
    // /metrics is behind --basic-auth too.
    const metricsDenied = await httpRequest(`${base}/metrics`);
    expect(metricsDenied.status).toBe(401);
    expect(metricsDenied.body).not.toContain('nest_tasks_');
    const metrics = await httpRequest(`${base}/metrics`, { headers: auth });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('# TYPE nest_tasks_tasks_total counter');
    expect(await dashboard.stop()).toEqual({ code: null, signal: 'SIGTERM' });
  });

  it('dashboard: a password with @ in --broker appears in no log line and no page', async () => {
    const port = await freePort();
    const redis = new URL(testRedisUrl());
    // The test Redis has no password: it answers AUTH with an error that ioredis only warns about.
    const broker = `redis://:hunter@2secret@${redis.host}/0`;
    const dashboard = startCli(['dashboard', '--port', String(port), '--broker', broker, '--prefix', uniquePrefix('ops-cli-dash'), '--loglevel', 'info']);
    running.push(dashboard);
    await dashboard.waitFor(/Dashboard of .* on http:\/\/127\.0\.0\.1:\d+\//);
    const page = await httpRequest(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(page.body).toContain(`redis://${redis.host}/0`);
    // Without --basic-auth or --public it is read-only, and says so.
    const base = `http://127.0.0.1:${port}`;
    const purge = await httpRequest(`${base}/actions/queues/default/purge`, { method: 'POST', headers: { origin: base } });
    expect(purge.status).toBe(403);
    expect(purge.body).toContain('it has no guard');
    await dashboard.stop();
    expect(dashboard.stdout + dashboard.stderr).toMatch(/WARN \[TaskDashboardModule\] The dashboard at \/ has no guard, so it is read-only/);
    for (const out of [dashboard.stdout + dashboard.stderr, page.body]) {
      expect(out).not.toContain('hunter');
      expect(out).not.toContain('2secret');
    }
    expect(dashboard.stdout + dashboard.stderr).toContain(`Dashboard of redis://${redis.host}/0`);
  });
});
