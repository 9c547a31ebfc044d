import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IORedis, { type Redis } from 'ioredis';
import { RESULTS_END, RESULTS_START } from '../../bench/report/markdown-file';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

const ROOT = join(__dirname, '..', '..');
const SMALL = ['--tasks', '200', '--sequential-tasks', '50', '--chunk', '50', '--rate', '200', '--duration', '500', '--warmup', '100', '--producer-warm-tasks', '200'];

/** Runs the bench from source, as `npm run bench` runs it from dist (children included). */
function runBench(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', join(__dirname, 'support', 'bench-hooks.js'), join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function benchKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', 'bench-*', 'COUNT', 1000);
    cursor = next;
    keys.push(...found.filter((key) => /^bench-(nt|bull)-/.test(key)));
  } while (cursor !== '0');
  return keys;
}

/** 1, 2 and 4 worker processes drained the backlog for both libraries, every task once, with Redis CPU per task. */
function expectWorkerProcessRows(stdout: string, stderr: string, tasks: number): void {
  for (const lib of ['nestjs-tasks', 'bullmq']) {
    for (const n of [1, 2, 4]) {
      const line = new RegExp(`${n} worker process(es)? +${lib} .* tasks per process ([\\d /]+)$`, 'm').exec(stderr);
      expect(line).not.toBeNull();
      const shares = line![2].split(' / ').map(Number);
      expect(shares).toHaveLength(n);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(tasks);
    }
  }
  for (const n of ['1 worker process', '2 worker processes', '4 worker processes']) {
    expect(stdout).toMatch(new RegExp(`^Processing the backlog with ${n}, concurrency 50 each\\s+[\\d,]+/s\\s+[\\d,]+/s\\s+[\\d.]+x$`, 'm'));
    expect(stdout).toMatch(new RegExp(`^Redis CPU per processed task, ${n}\\s+[\\d.]+ µs\\s+[\\d.]+ µs`, 'm'));
    expect(stdout).toMatch(new RegExp(`^Cores busy \\(worker processes and Redis\\), ${n}\\s+\\d+%\\s+\\d+%\\s+-$`, 'm'));
  }
  expect(stdout).toMatch(/^2 worker processes vs one: this machine's ceiling \(1 \/ cores busy with one\)\s+[\d.]+x\s+[\d.]+x\s+-$/m);
  expect(stdout).toMatch(/^2 worker processes vs one\s+[\d.]+x\s+[\d.]+x\s+[\d.]+x\s+>= 1\.6x: (met|MISSED)$/m);
  expect(stdout).toMatch(/^4 worker processes vs one\s+[\d.]+x\s+[\d.]+x\s+[\d.]+x$/m);
}

describe('npm run bench, end to end', () => {
  let redis: Redis;
  let dir: string;
  beforeAll(() => {
    redis = new IORedis(testRedisUrl());
    dir = mkdtempSync(join(tmpdir(), 'bench-run-'));
  });
  afterAll(async () => {
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every measurement for both libraries on REDIS_URL, prints the table, writes the Markdown and removes only its own keys', async () => {
    // Includes 1, 2 and 4 worker processes draining one backlog (about 20 more child processes).
    const foreign = `${uniquePrefix('not-the-bench')}:key`;
    await redis.set(foreign, 'keep');
    const markdown = join(dir, 'benchmarks.md');
    const { code, stdout, stderr } = await runBench([...SMALL, '--markdown', markdown], { REDIS_URL: testRedisUrl() });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    for (const metric of [
      'Enqueue, 100 in flight (delay() / add())',
      'Fan-out, chunks of 50 (delayMany() / addBulk())',
      'Fan-out speed-up per task vs one at a time',
      'Processing a backlog of 200, concurrency 50',
      'Processing, random priorities 1-9',
      'Enqueue-to-start latency p99 at 200/s',
      'Worker RSS after the backlog',
      'Redis CPU per processed task',
      'Processing, events on (events: true; BullMQ always writes its events)',
      'Redis CPU per processed task, events on',
    ]) {
      expect(stdout).toMatch(new RegExp(`^${metric.replace(/[()/.]/g, '\\$&')}\\s+[\\d.,]+(/s| ms| MB| µs|x)\\s+[\\d.,]+`, 'm'));
    }
    expect(stderr).toMatch(/processing, +no priorities +nestjs-tasks/);
    expect(stderr).toMatch(/processing, +no priorities +bullmq/);
    // nestjs-tasks only: events and telemetry did what they say, and cost a share of the plain rate.
    expect(stdout).toMatch(/^Processing, telemetry on \(recording tracer provider\)\s+[\d,]+\/s\s+-\s+-$/m);
    expect(stdout).toMatch(/^Cost of events in processing rate\s+-?\d+%\s+-\s+-\s+<= 15%: (met|MISSED)$/m);
    // Each of events, telemetry and keys against two plain drains of its own, and drained twice itself.
    expect(stderr.match(/processing, plain to compare +nestjs-tasks/g)).toHaveLength(3 * 2);
    for (const variant of ['events', 'telemetry', 'keys']) expect(stderr.match(new RegExp(`processing, ${variant} +on +nestjs-tasks`, 'g'))).toHaveLength(2);
    expect(stdout).toMatch(/^Cost of telemetry in processing rate\s+-?\d+%\s+-/m);
    const [, streamEvents, streamEntries] = /processing, events +on +nestjs-tasks .* (\d+) events in (\d+) entries of the events stream/.exec(stderr) ?? [];
    expect(Number(streamEvents)).toBeGreaterThanOrEqual(2 * 200); // at least started and succeeded per task
    expect(Number(streamEntries)).toBeLessThan(Number(streamEvents)); // packed by flush
    const spans = Number(/processing, telemetry on +nestjs-tasks .* ([\d.]+) spans exported per task/.exec(stderr)?.[1]);
    expect(spans).toBeGreaterThanOrEqual(1); // a process span per run
    // Concurrency keys: every task ran under its key, and no slot stayed held.
    expect(stdout).toMatch(/^Processing, 100 concurrency keys of limit 5 \(BullMQ: none\)\s+[\d,]+\/s\s+-\s+-$/m);
    expect(stdout).toMatch(/^Cost of concurrency keys in processing rate\s+-?\d+%/m);
    expect(stderr).toMatch(/processing, keys +on +nestjs-tasks .* 100 keys of limit 5; key slots still held after: 0/);
    expect(stdout).toMatch(/^A lone task behind 2,000 of one key: start minus send \(BullMQ: no keys\)\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+x/m);
    expectWorkerProcessRows(stdout, stderr, 200);

    const written = readFileSync(markdown, 'utf8');
    expect(written).toContain(RESULTS_START);
    expect(written).toContain(RESULTS_END);
    expect(written).toMatch(/\| Processing a backlog of 200, concurrency 50 \| [\d,]+\/s \| [\d,]+\/s \| [\d.]+x \| >= 3x BullMQ: (met|MISSED) \|/);
    expect(written).toMatch(/Machine: \d+ x .+; Node v\d+.+; Redis \d+\.\d+.+ \(REDIS_URL\)/);

    expect(await benchKeys(redis)).toEqual([]);
    expect(await redis.get(foreign)).toBe('keep');
    await redis.del(foreign);
  }, 420_000);

  it('starts and stops a private redis-server when REDIS_URL is not set', async () => {
    const { code, stdout, stderr } = await runBench([...SMALL, '--only', 'enqueue', '--libs', 'nestjs-tasks'], {});
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^Enqueue, 100 in flight \(delay\(\) \/ add\(\)\)\s+[\d,]+\/s\s+-/m);
    const url = /Redis (redis:\/\/[\d.]+:\d+) \(private\)/.exec(stderr)?.[1];
    expect(url).toBeDefined();
    await expect(
      new Promise((resolve, reject) => {
        const socket = connect(Number(new URL(url!).port), '127.0.0.1', () => resolve(socket.end()));
        socket.once('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  }, 120_000);

  it('--cluster: one hot queue on a private node and a private 3-master cluster, both libraries, each master\'s share of Redis CPU', async () => {
    const { code, stdout, stderr } = await runBench(['--cluster', '--tasks', '300', '--chunk', '100', '--shards', '3'], {});
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stderr).toContain('cluster of 3 masters, nestjs-tasks with 3 shards there');
    const row = (name: string) => new RegExp(`^\\| ${name} \\| [\\d,]+/s \\| [\\d,]+/s \\| [\\d.]+x \\| [\\d.]+ / [\\d.]+ µs \\| \\d+% / \\d+% / \\d+% \\|$`, 'm');
    expect(stdout).toMatch(row('nestjs-tasks \\(3 shards on the cluster\\)'));
    expect(stdout).toMatch(row('BullMQ \\(one queue, one slot\\)'));
    // The shards spread the load: no master takes it all, as BullMQ's one slot does.
    const shares = /nestjs-tasks \(3 shards[^\n]*\| (\d+)% \/ (\d+)% \/ (\d+)% \|/.exec(stdout)!.slice(1).map(Number);
    expect(Math.max(...shares)).toBeLessThan(80);
  }, 240_000);

  it('fails with the address, never the password, when REDIS_URL cannot be reached', async () => {
    const { code, stderr } = await runBench(['--only', 'enqueue'], { REDIS_URL: 'redis://bench:s3cret@127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toContain('Could not reach Redis at redis://bench:***@127.0.0.1:1');
    expect(stderr).not.toContain('s3cret');
  });

  it('refuses a bad option before touching Redis, naming it', async () => {
    const { code, stderr } = await runBench(['--concurrency', 'lots'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toContain('Invalid bench option --concurrency: "lots" (expected an integer >= 1)');
  });
});
