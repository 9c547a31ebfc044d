import type { INestApplicationContext } from '@nestjs/common';
import { TaskClient } from '../../lib';
import { OpsTasks } from '../ops/fixtures/ops.tasks';
import { runCli, startCli, type CliProcess } from '../ops/support/cli-runner';
import { httpRequest } from '../ops/support/http-app';
import { OpsHarness } from '../ops/support/ops-harness';
import { freePort } from '../support/redis-server';
import { testClusterUrl, uniquePrefix } from '../support/redis-url';

const OPS_MODULE = 'test/ops/fixtures/ops-app.module.ts#OpsAppModule';

/** `nest-tasks` against the suite's Redis Cluster: worker, inspect, purge and the standalone dashboard. */
describe('nest-tasks on a Redis Cluster', () => {
  const harness = new OpsHarness();
  const prefix = uniquePrefix('cluster-cli');
  const env = { REDIS_URL: testClusterUrl(), NEST_TASKS_PREFIX: prefix };
  const running: CliProcess[] = [];
  let app: INestApplicationContext;
  let client: TaskClient;

  beforeAll(async () => {
    const worker = startCli(['worker', '--module', OPS_MODULE, '-Q', 'default,emails', '-c', '2'], env);
    running.push(worker);
    await worker.waitFor(/Worker \S+ is ready/);
    app = await harness.app({ broker: testClusterUrl(), prefix }, [OpsTasks]);
    client = app.get(TaskClient);
  });
  afterAll(async () => {
    await Promise.all(running.map((cli) => cli.stop()));
    await harness.closeAll();
  });

  it('the worker runs tasks; inspect answers; purge empties a queue', async () => {
    const sum = await client.send<number>('OpsTasks.add', [2, 3], { queue: 'emails' });
    await expect(sum.get({ timeout: 10_000 })).resolves.toBe(5);

    const ping = await runCli(['inspect', 'ping', '--json', '--broker', testClusterUrl()], env);
    expect(ping).toMatchObject({ code: 0 });
    expect(Object.values(JSON.parse(ping.stdout) as Record<string, string>)).toEqual(['pong']);

    await Promise.all([1, 2, 3].map((n) => client.send('OpsTasks.add', [n, n], { queue: 'parked' })));
    const queues = await runCli(['inspect', 'queues'], env);
    expect(queues.stdout).toMatch(/parked\s+3\b/);
    const purged = await runCli(['purge', '-Q', 'parked', '--force'], env);
    expect(purged).toMatchObject({ code: 0 });
    expect(purged.stdout).toContain('3');
  });

  it('the standalone dashboard lists the cluster queues, a sharded one with its shards', async () => {
    const sharded = await harness.app({ broker: testClusterUrl(), prefix, queues: { digest: { shards: 3 } } }, [OpsTasks]);
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => sharded.get(TaskClient).send('OpsTasks.add', [n, n], { queue: 'digest' })));
    const port = await freePort();
    const dashboard = startCli(['dashboard', '--port', String(port), '--broker', testClusterUrl(), '--prefix', prefix]);
    running.push(dashboard);
    await dashboard.waitFor(/Dashboard: http:\/\/127\.0\.0\.1:\d+\//);
    const page = await httpRequest(`http://127.0.0.1:${port}/queues`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('emails');
    expect(page.body).toContain('redis+cluster://');
    expect(page.body).toMatch(/data-queue="digest"[^]*3 shards/);
    for (const shard of ['digest', 'digest#1', 'digest#2']) expect(page.body).toMatch(new RegExp(`data-shard="${shard}"[^]*?<td class="num">2</td>`));
    const inspect = await runCli(['inspect', 'queues'], env);
    expect(inspect.stdout).toMatch(/digest\s+6\b/);
    for (const shard of ['digest#1', 'digest#2']) expect(inspect.stdout).toMatch(new RegExp(`^\\s+${shard}\\s+2\\b`, 'm'));
  });

  it('a cluster URL without nodes is refused before connecting, naming --broker', async () => {
    const bad = await runCli(['inspect', 'ping', '--broker', 'redis+cluster://'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--broker.*at least one node/s);
  });
});
