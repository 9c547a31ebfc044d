import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TaskScheduler, TaskWorker } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp, FAST_BEAT } from './support/beat-apps';
import { runsOf } from './support/probe.tasks';
import { Resources } from './support/resources';
import { waitFor } from './support/wait';

const ROOT = join(__dirname, '..', '..');

/** The tick (ms) a periodic task id names: `beat:<schedule>:<ISO time>`. */
const tickOf = (id: string) => Date.parse(id.slice('beat:each-second:'.length));

describe('leader killed with SIGKILL', () => {
  const resources = new Resources();
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await resources.closeAll();
  });

  it('another instance takes over within a few seconds, with no tick sent twice and none skipped', async () => {
    const prefix = uniquePrefix('failover');
    const schedule = [{ name: 'each-second', task: 'probe.record', args: ['failover'], cron: '* * * * * *' }];
    const options = { broker: testRedisUrl(), prefix, beat: { ...FAST_BEAT, schedule } };

    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start({ concurrency: 4 });

    // The first scheduler, in a process of its own, becomes the leader.
    const proc = spawn(process.execPath, ['-r', './test/support/register-ts.js', 'test/scheduler/support/beat-process.ts'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, BEAT_SCHEDULE: JSON.stringify(schedule), LEADER_LEASE: String(FAST_BEAT.leaderLease), CHECK_INTERVAL: String(FAST_BEAT.checkInterval) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let output = '';
    proc.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => proc.once('exit', (code, signal) => resolve(signal ?? code)));
    await Promise.race([
      waitFor(() => output.includes(`LEADER ${proc.pid}`), 'the beat process to lead', 30_000),
      exited.then((how) => {
        throw new Error(`beat process exited (${how}) before it led:\n${output}`);
      }),
    ]);

    // Two more instances in this process follow.
    const followers: TaskScheduler[] = [];
    for (let i = 0; i < 2; i++) {
      const app = resources.app(await createBeatApp(options));
      await app.get(TaskScheduler).start();
      followers.push(app.get(TaskScheduler));
    }
    expect(followers.map((f) => f.isLeader)).toEqual([false, false]);

    await waitFor(() => runsOf('failover').length >= 3, 'three ticks from the first leader', 10_000);
    proc.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await exited).toBe('SIGKILL');
    const runsAtKill = runsOf('failover').length;

    await waitFor(() => followers.some((f) => f.isLeader), 'a follower to take over', 10_000);
    const takeover = Date.now() - killedAt;
    expect(takeover).toBeLessThan(FAST_BEAT.leaderLease + 5000);
    expect(followers.filter((f) => f.isLeader)).toHaveLength(1);
    await waitFor(() => runsOf('failover').length >= runsAtKill + 4, 'four more ticks from the new leader', 15_000);

    for (const follower of followers) await follower.stop();
    await resources.queueDrained(worker); // the last ticks sent have run

    const ids = runsOf('failover');
    expect(new Set(ids).size).toBe(ids.length); // no tick ran twice
    const ticks = ids.map(tickOf).sort((a, b) => a - b);
    expect(ticks.every(Number.isFinite)).toBe(true);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBe(1000); // and none was skipped
    // The ticks around the kill, those that came due while no one led included, all ran.
    const killedTick = Math.floor(killedAt / 1000) * 1000;
    expect(ticks[0]).toBeLessThan(killedTick - 1000);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(killedTick + 1000);
    const redis = resources.redis(testRedisUrl());
    expect(await redis.hlen(`${prefix}:{beat}:pending`)).toBe(0);
  });
});
