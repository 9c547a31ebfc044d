import { setTimeout as delay } from 'node:timers/promises';
import IORedis, { type Redis } from 'ioredis';
import { TaskClient, TaskInspector, type ResultRecord } from '../../lib/internal';
import { Marks, type Mark } from '../fixtures/reliability-tasks';
import { chordMarksKey, compute, FLAKY_MAX_RETRIES, SoakTasks, soakRunsKey } from '../fixtures/soak-tasks';
import { Harness, queueKey, readMarks, waitFor, type WorkerProcess } from '../reliability/harness';
import type { RedisServerHandle } from '../support/redis-server';
import { uniquePrefix } from '../support/redis-url';
import { storedBody, storedCount } from '../support/stored-messages';

/**
 * The chaos soak: a producer sends a mix of tasks (noop, sleeps, failures with retries
 * and backoff, countdowns, unique, rate-limited, chains, chords) to worker processes
 * while workers are SIGKILLed, Redis (appendonly, appendfsync always) restarts and every
 * client connection is killed; then it checks that nothing was lost. `npm run soak`
 * (test/soak/run.ts) and test/soak/soak.spec.ts run it.
 */
export interface SoakOptions {
  /** Tasks (messages: each chain step, chord member and callback counts). */
  tasks: number;
  /** The producer spreads its sends over this window; the chaos schedule runs within it. */
  durationMs: number;
  workers: number;
  concurrency: number;
  /** A worker is SIGKILLed (and replaced at once) every [min, max] ms, until every task is final. */
  killEveryMs: [number, number];
  /** Stop after this many kills (the jest version); default unlimited. */
  maxKills?: number;
  redisRestarts: number;
  clientKillRounds: number;
  seed: number;
  visibilityTimeout: number;
  /** How long to wait, after the sends, for every task to be final and the queue drained. */
  settleTimeoutMs: number;
  log: (line: string) => void;
}

export const defaultSoakOptions: SoakOptions = {
  tasks: 100_000,
  durationMs: 120_000,
  workers: 4,
  concurrency: 16,
  killEveryMs: [2000, 5000],
  redisRestarts: 2,
  clientKillRounds: 3,
  seed: Date.now() % 1_000_000,
  visibilityTimeout: 5000,
  settleTimeoutMs: 300_000,
  log: (line) => process.stdout.write(`${line}\n`),
};

export interface SoakReport {
  seed: number;
  tasks: number;
  byKind: Record<string, number>;
  succeeded: number;
  failedAsMeant: number;
  chords: number;
  chordCallbacksRun: number;
  /** Chord callback runs beyond the first: redeliveries of the one sent callback (counted in duplicateRuns too). */
  chordCallbackReruns: number;
  kills: number;
  redisRestarts: number;
  clientKillRounds: number;
  clientsKilled: number;
  /** Runs of an attempt beyond its first (at-least-once delivery). */
  duplicateRuns: number;
  /** Attempts that ran more than once. */
  duplicatedAttempts: number;
  elapsedMs: number;
  /** Every broken invariant, in words; empty when nothing was lost. */
  problems: string[];
}

type Expect = { state: 'SUCCESS'; value: unknown; what: string } | { state: 'FAILURE'; error: string; what: string };

type Job =
  | { kind: 'noop'; n: number }
  | { kind: 'sleepy'; n: number; ms: number }
  | { kind: 'flaky'; n: number; failures: number }
  | { kind: 'countdown'; n: number; countdown: number }
  | { kind: 'unique'; n: number }
  | { kind: 'limited'; n: number }
  | { kind: 'chain'; n: number }
  | { kind: 'chord'; chord: number; members: number[]; failAt: number };

const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
const CHAIN_STEPS = [1, 2, 3];

/** mulberry32: a small seeded generator, so a run's plan can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function units(job: Job): number {
  if (job.kind === 'chain') return CHAIN_STEPS.length;
  if (job.kind === 'chord') return job.members.length + 1;
  return 1;
}

/** The mix: [kind, weight]. */
const MIX: Array<[Job['kind'], number]> = [
  ['noop', 36],
  ['sleepy', 14],
  ['flaky', 12],
  ['countdown', 10],
  ['unique', 5],
  ['limited', 3],
  ['chain', 10],
  ['chord', 10],
];

export function planJobs(tasks: number, seed: number): Job[] {
  const rnd = random(seed);
  const total = MIX.reduce((sum, [, w]) => sum + w, 0);
  const jobs: Job[] = [];
  let count = 0;
  let chord = 0;
  for (let n = 0; count < tasks; n++) {
    let pick = rnd() * total;
    const kind = MIX.find(([, w]) => (pick -= w) < 0)?.[0] ?? 'noop';
    let job: Job;
    switch (kind) {
      case 'sleepy':
        job = { kind, n, ms: 1 + Math.floor(rnd() * 30) };
        break;
      case 'flaky':
        // One in four fails more often than it may retry: it must end FAILURE.
        job = { kind, n, failures: rnd() < 0.25 ? FLAKY_MAX_RETRIES + 1 : 1 + Math.floor(rnd() * FLAKY_MAX_RETRIES) };
        break;
      case 'countdown':
        job = { kind, n, countdown: Math.floor(rnd() * 3000) };
        break;
      case 'chord': {
        const size = 2 + Math.floor(rnd() * 5);
        job = { kind, chord: chord++, members: Array.from({ length: size }, (_, i) => n * 10 + i), failAt: rnd() < 0.1 ? Math.floor(rnd() * size) : -1 };
        break;
      }
      default:
        job = { kind, n } as Job;
    }
    jobs.push(job);
    count += units(job);
  }
  return jobs;
}

export async function runSoak(overrides: Partial<SoakOptions> = {}): Promise<SoakReport> {
  const o: SoakOptions = { ...defaultSoakOptions, ...overrides };
  const log = o.log;
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const harness = new Harness();
  const prefix = uniquePrefix('soak');
  const problems: string[] = [];
  const jobs = planJobs(o.tasks, o.seed);
  const byKind: Record<string, number> = {};
  for (const job of jobs) byKind[job.kind] = (byKind[job.kind] ?? 0) + units(job);
  const taskCount = jobs.reduce((sum, job) => sum + units(job), 0);
  log(`soak: seed ${o.seed}, ${taskCount} tasks (${Object.entries(byKind).map(([k, v]) => `${k} ${v}`).join(', ')}), ${o.workers} workers x ${o.concurrency}, prefix ${prefix}`);

  const report: SoakReport = {
    seed: o.seed,
    tasks: taskCount,
    byKind,
    succeeded: 0,
    failedAsMeant: 0,
    chords: 0,
    chordCallbacksRun: 0,
    chordCallbackReruns: 0,
    kills: 0,
    redisRestarts: 0,
    clientKillRounds: 0,
    clientsKilled: 0,
    duplicateRuns: 0,
    duplicatedAttempts: 0,
    elapsedMs: 0,
    problems,
  };

  const stop = new AbortController();
  let closing = false;
  const pause = (ms: number) => delay(ms, undefined, { signal: stop.signal }).then(
    () => true,
    () => false,
  );

  const connections: Redis[] = [];
  const connect = (url: string) => {
    const connection = new IORedis(url, { maxRetriesPerRequest: null });
    connection.on('error', () => undefined);
    connections.push(connection);
    return connection;
  };
  try {
    const server: RedisServerHandle = await harness.server({ appendonly: true });
    // The soak's own connections wait out restarts and killed connections (no per-command retry limit).
    const redis: Redis = connect(server.url);
    const admin: Redis = connect(server.url);
    const env = { REDIS_URL: server.url, TASK_PREFIX: prefix, CONCURRENCY: o.concurrency, VISIBILITY_TIMEOUT: o.visibilityTimeout };
    const producerApp = await harness.taskApp({ broker: server.url, prefix, visibilityTimeout: o.visibilityTimeout }, [SoakTasks, Marks]);
    const client = producerApp.get(TaskClient);

    // ---- workers, and deaths nobody asked for --------------------------------------------------
    const killed = new Set<number>();
    const workers: WorkerProcess[] = [];
    const spawn = async (): Promise<WorkerProcess> => {
      for (let attempt = 1; ; attempt++) {
        try {
          const worker = await harness.spawnWorker('soak-worker-main', env);
          void worker.exited.then(({ code, signal }) => {
            if (!killed.has(worker.pid) && !closing) problems.push(`worker ${worker.pid} died by itself (${code ?? signal}):\n${worker.output().slice(-2000)}`);
          });
          return worker;
        } catch (error) {
          // A worker that starts while Redis restarts may give up connecting (connectRetries): start another.
          log(`${elapsed()} a worker failed to start (attempt ${attempt}): ${(error as Error).message.split('\n')[0]}`);
          if (attempt >= 5) throw error;
        }
      }
    };
    workers.push(...(await Promise.all(Array.from({ length: o.workers }, spawn))));
    log(`${elapsed()} workers ready: ${workers.map((w) => w.pid).join(' ')}`);

    // ---- the producer --------------------------------------------------------------------------
    const expected = new Map<string, Expect>();
    const chordIds: Array<{ chord: number; id: string; fails: boolean }> = [];
    let enqueueErrors = 0;
    const expect = (id: string, e: Expect) => expected.set(id, e);
    const sendJobs = async (batch: Job[]) => {
      const simple = { noop: [] as Job[], sleepy: [] as Job[], flaky: [] as Job[], limited: [] as Job[] };
      const calls: Array<Promise<void>> = [];
      for (const job of batch) {
        if (job.kind === 'noop' || job.kind === 'sleepy' || job.kind === 'flaky' || job.kind === 'limited') simple[job.kind].push(job);
        else if (job.kind === 'countdown') {
          const notBefore = Date.now() + job.countdown;
          calls.push(
            client.applyAsync(SoakTasks, 'countdown', [job.n, notBefore], { countdown: job.countdown }).then((r) => {
              expect(r.id, { state: 'SUCCESS', value: compute.countdown(job.n), what: `countdown(${job.n}, +${job.countdown} ms)` });
            }),
          );
        } else if (job.kind === 'unique') {
          calls.push(
            Promise.all([client.delay(SoakTasks, 'unique', job.n), client.delay(SoakTasks, 'unique', job.n)]).then(([a, b]) => {
              if (a.id !== b.id) problems.push(`unique(${job.n}) sent twice at once made two tasks: ${a.id} and ${b.id}`);
              expect(a.id, { state: 'SUCCESS', value: compute.unique(job.n), what: `unique(${job.n})` });
            }),
          );
        } else if (job.kind === 'chain') {
          const [a, b, c] = CHAIN_STEPS;
          const chain = client.chain(client.signature(SoakTasks, 'add', job.n, a), client.signature(SoakTasks, 'add', b), client.signature(SoakTasks, 'add', c));
          calls.push(
            chain.applyAsync().then((r) => {
              expect(r.id, { state: 'SUCCESS', value: CHAIN_STEPS.reduce(compute.add, job.n), what: `chain(${job.n})` });
            }),
          );
        } else {
          const header = job.members.map((m, i) => (i === job.failAt ? client.signature(SoakTasks, 'failingMember', m) : client.signature(SoakTasks, 'member', m)));
          const chord = client.chord(header, client.signature(SoakTasks, 'chordSum', job.chord));
          calls.push(
            chord.applyAsync().then((r) => {
              const fails = job.failAt >= 0;
              chordIds.push({ chord: job.chord, id: r.id, fails });
              expect(
                r.id,
                fails
                  ? { state: 'FAILURE', error: 'ChordError', what: `chord ${job.chord}` }
                  : { state: 'SUCCESS', value: job.members.reduce((sum, m) => sum + compute.member(m), 0), what: `chord ${job.chord}` },
              );
            }),
          );
        }
      }
      const many = <K extends keyof typeof simple>(kind: K, args: (job: Job) => unknown[], expectOf: (job: Job) => Expect) => {
        const list = simple[kind];
        if (list.length === 0) return;
        calls.push(
          client.delayMany(SoakTasks, kind, list.map(args) as never).then((results) => results.forEach((r, i) => expect(r.id, expectOf(list[i])))),
        );
      };
      many('noop', (j) => [(j as { n: number }).n], (j) => ({ state: 'SUCCESS', value: compute.noop((j as { n: number }).n), what: `noop` }));
      many(
        'sleepy',
        (j) => [(j as { n: number }).n, (j as { ms: number }).ms],
        (j) => ({ state: 'SUCCESS', value: compute.sleepy((j as { n: number }).n), what: 'sleepy' }),
      );
      many(
        'flaky',
        (j) => [(j as { n: number }).n, (j as { failures: number }).failures],
        (j) => {
          const { n, failures } = j as { n: number; failures: number };
          return failures > FLAKY_MAX_RETRIES
            ? { state: 'FAILURE', error: 'SoakFailure', what: `flaky(${n}, ${failures})` }
            : { state: 'SUCCESS', value: compute.flaky(n, failures), what: `flaky(${n}, ${failures})` };
        },
      );
      many('limited', (j) => [(j as { n: number }).n], (j) => ({ state: 'SUCCESS', value: compute.limited((j as { n: number }).n), what: 'limited' }));
      const settled = await Promise.allSettled(calls);
      for (const outcome of settled) {
        if (outcome.status === 'rejected') {
          enqueueErrors++;
          if (enqueueErrors <= 5) log(`${elapsed()} an enqueue was refused: ${(outcome.reason as Error)?.message}`);
        }
      }
    };

    let sentUnits = 0;
    const produce = async () => {
      const t0 = Date.now();
      let next = 0;
      while (next < jobs.length) {
        const target = Math.min(taskCount, Math.ceil((taskCount * (Date.now() - t0 + 100)) / o.durationMs));
        const batch: Job[] = [];
        while (next < jobs.length && sentUnits < target) {
          batch.push(jobs[next]);
          sentUnits += units(jobs[next++]);
        }
        const tick = delay(100);
        if (batch.length) await sendJobs(batch);
        await tick;
      }
    };

    // ---- chaos ---------------------------------------------------------------------------------
    const chaosRnd = random(o.seed ^ 0x5eed);
    let allFinal = false;
    const killer = async () => {
      while (!allFinal && (o.maxKills === undefined || report.kills < o.maxKills)) {
        const [min, max] = o.killEveryMs;
        if (!(await pause(min + chaosRnd() * (max - min)))) return;
        if (allFinal) return;
        const at = Math.floor(chaosRnd() * workers.length);
        const victim = workers[at];
        killed.add(victim.pid);
        await harness.kill(victim);
        report.kills++;
        log(`${elapsed()} SIGKILL worker ${victim.pid} (kill ${report.kills}); starting its replacement`);
        workers[at] = await spawn();
        log(`${elapsed()} worker ${workers[at].pid} replaces ${victim.pid}`);
      }
    };
    const atFraction = async (fraction: number, what: () => Promise<void>) => {
      if (await pause(o.durationMs * fraction)) await what();
    };
    const restarts = Array.from({ length: o.redisRestarts }, (_, i) =>
      atFraction((i + 1) / (o.redisRestarts + 1), async () => {
        const t = Date.now();
        await server.restart();
        report.redisRestarts++;
        log(`${elapsed()} Redis restarted (${report.redisRestarts}), down ${Date.now() - t} ms`);
      }),
    );
    const clientKills = Array.from({ length: o.clientKillRounds }, (_, i) =>
      // Between the restarts, never at the same moment.
      atFraction((i + 0.5) / (o.clientKillRounds + 1), async () => {
        const n = Number(await admin.client('KILL', 'TYPE', 'normal'));
        report.clientKillRounds++;
        report.clientsKilled += n;
        log(`${elapsed()} CLIENT KILL TYPE normal: ${n} connections`);
      }),
    );
    const chaos = Promise.all([killer(), ...restarts, ...clientKills]);

    // ---- progress until every task is final -----------------------------------------------------
    const pending = new Set<string>();
    let checkedUpTo = 0;
    const ids = () => [...expected.keys()];
    const pollFinal = async () => {
      const known = ids();
      for (; checkedUpTo < known.length; checkedUpTo++) pending.add(known[checkedUpTo]);
      const list = [...pending];
      for (let i = 0; i < list.length; i += 1000) {
        const chunk = list.slice(i, i + 1000);
        const states = await redis.mget(chunk.map((id) => `${prefix}:result:${id}`));
        states.forEach((json, j) => {
          if (json && FINAL.has((JSON.parse(json) as ResultRecord).state)) pending.delete(chunk[j]);
        });
      }
    };
    let producing = true;
    const production = produce().finally(() => (producing = false));
    const progress = setInterval(() => {
      void redis.hlen(soakRunsKey(prefix)).then(
        (runs) => log(`${elapsed()} sent ${sentUnits}/${taskCount}, attempts run ${runs}, ${producing ? '' : `${pending.size} results not final, `}kills ${report.kills}`),
        () => undefined,
      );
    }, 5000);
    try {
      await production;
      log(`${elapsed()} all sent (${expected.size} results to wait for, ${enqueueErrors} refused enqueues)`);
      await waitFor(
        async () => {
          await pollFinal();
          return !producing && pending.size === 0 && checkedUpTo === expected.size;
        },
        'every task to reach a final state',
        o.settleTimeoutMs,
        1000,
      ).catch((error: Error) => problems.push(`${error.message}: ${pending.size} not final, e.g. ${[...pending].slice(0, 5).join(', ')}`));
    } finally {
      clearInterval(progress);
      allFinal = true;
      stop.abort();
      await chaos;
    }
    log(`${elapsed()} every task final; chaos over: ${report.kills} kills, ${report.redisRestarts} Redis restarts, ${report.clientKillRounds} client-kill rounds`);
    if (enqueueErrors > 0) problems.push(`${enqueueErrors} enqueues were refused`);
    if (report.redisRestarts < o.redisRestarts || report.clientKillRounds < o.clientKillRounds) problems.push('the chaos schedule did not complete');

    // ---- nothing left leased or queued ---------------------------------------------------------
    const leftovers = async () => {
      const q = (part: Parameters<typeof queueKey>[2]) => queueKey(prefix, 'default', part);
      const [ready, prio, delayed, active, messages, lost, dead] = await Promise.all([
        redis.llen(q('ready')),
        redis.zcard(q('prio')),
        redis.zcard(q('delayed')),
        redis.zcard(q('active')),
        storedCount(redis, prefix, 'default'),
        redis.hlen(q('lost')),
        redis.llen(q('dead')),
      ]);
      // A unique lock is free once its holder's message is gone (publish-unique.lua), so no lock is held when no message is stored.
      // Rate-waiting entries whose message is gone are stale bookkeeping (seen to linger ~1 min after a kill), not work.
      const waitingIds = await redis.zrange(`${prefix}:{default}:rate-waiting:SoakTasks.limited`, 0, -1);
      const bodies = await Promise.all(waitingIds.map((id) => storedBody(redis, prefix, 'default', id)));
      const rateWaiting = bodies.filter((b) => b !== null).length;
      staleRateWaiting = Math.max(staleRateWaiting, waitingIds.length - rateWaiting);
      return { ready, prio, delayed, active, messages, lost, dead, rateWaiting };
    };
    let staleRateWaiting = 0;
    let left = await leftovers();
    log(`${elapsed()} queue when every task was final: ${JSON.stringify(left)}`);
    // A killed worker's duplicate may still run (and be acknowledged) after the first run's result: wait for it.
    await waitFor(
      async () => {
        left = await leftovers();
        return Object.values(left).every((v) => v === 0);
      },
      'the queue to drain',
      60_000,
      250,
    ).catch(() => problems.push(`messages left in Redis: ${JSON.stringify(left)}`));
    log(`${elapsed()} queue drained: ${JSON.stringify(left)}${staleRateWaiting ? `; stale rate-waiting entries (message gone): ${staleRateWaiting}` : ''}`);

    // ---- every result, as computed ---------------------------------------------------------------
    const all = ids();
    let mismatches = 0;
    for (let i = 0; i < all.length; i += 1000) {
      const chunk = all.slice(i, i + 1000);
      const records = await redis.mget(chunk.map((id) => `${prefix}:result:${id}`));
      records.forEach((json, j) => {
        const id = chunk[j];
        const want = expected.get(id)!;
        const record = json ? (JSON.parse(json) as ResultRecord) : null;
        let wrong: string | undefined;
        if (!record) wrong = 'no result';
        else if (record.state !== want.state) wrong = `state ${record.state}${record.error ? ` (${record.error.name}: ${record.error.message})` : ''}, expected ${want.state}`;
        else if (want.state === 'SUCCESS' && JSON.stringify(record.result) !== JSON.stringify(want.value)) wrong = `result ${JSON.stringify(record.result)}, expected ${JSON.stringify(want.value)}`;
        else if (want.state === 'FAILURE' && record.error?.name !== want.error) wrong = `error ${record.error?.name}, expected ${want.error}`;
        if (wrong) {
          mismatches++;
          if (mismatches <= 20) problems.push(`${want.what} [${id}]: ${wrong}`);
        } else if (want.state === 'SUCCESS') report.succeeded++;
        else report.failedAsMeant++;
      });
    }
    if (mismatches > 20) problems.push(`... ${mismatches} results wrong or missing in all`);

    // ---- chord callbacks: sent exactly once ------------------------------------------------------
    report.chords = chordIds.length;
    for (let i = 0; i < chordIds.length; i += 500) {
      const chunk = chordIds.slice(i, i + 500);
      const marks: Mark[][] = await Promise.all(chunk.map(({ chord }) => readMarks(redis, prefix, chordMarksKey(chord))));
      chunk.forEach(({ chord, fails }, j) => {
        const runs = marks[j];
        report.chordCallbacksRun += runs.length;
        // Sent once: its runs are deliveries of one message, each with its own number (a second send
        // would count from 1 again). More than one run is a killed worker's delivery run again.
        const deliveries = new Set(runs.map((m) => m.delivery));
        const detail = JSON.stringify(runs.map((m) => ({ id: m.id, pid: m.pid, delivery: m.delivery, at: m.at })));
        if (fails && runs.length > 0) problems.push(`chord ${chord} had a failing member but its callback ran: ${detail}`);
        if (!fails && runs.length === 0) problems.push(`chord ${chord}: its callback never ran`);
        if (deliveries.size !== runs.length) problems.push(`chord ${chord}: its callback was sent more than once: ${detail}`);
        if (runs.length > 1) report.chordCallbackReruns += runs.length - 1;
      });
    }

    // ---- duplicates (allowed, counted) -----------------------------------------------------------
    let cursor = '0';
    do {
      const [nextCursor, entries] = await redis.hscan(soakRunsKey(prefix), cursor, 'COUNT', 5000);
      cursor = nextCursor;
      for (let i = 1; i < entries.length; i += 2) {
        const runs = Number(entries[i]);
        if (runs > 1) {
          report.duplicatedAttempts++;
          report.duplicateRuns += runs - 1;
        }
      }
    } while (cursor !== '0');

    // ---- no worker stuck: all alive, all answer, all take work -------------------------------------
    const live = workers.filter((w) => w.isRunning());
    if (live.length !== workers.length) problems.push(`${workers.length - live.length} of the current workers are not running`);
    const pongs = await producerApp.get(TaskInspector).ping({ timeout: 5000 });
    if (Object.keys(pongs).length < live.length) problems.push(`only ${Object.keys(pongs).length} of ${live.length} workers answered ping`);
    const seen = new Set<number>();
    await waitFor(
      async () => {
        const probes = await client.delayMany(SoakTasks, 'probe', Array.from({ length: o.workers * o.concurrency }, () => [50] as [number]));
        for (const pid of await Promise.all(probes.map((r) => r.get({ timeout: 15_000 })))) seen.add(pid);
        return live.every((w) => seen.has(w.pid));
      },
      'every worker to run a probe task',
      60_000,
      100,
    ).catch(async () => {
      const idle = live.filter((w) => !seen.has(w.pid)).map((w) => w.pid);
      const stats = await producerApp.get(TaskInspector).stats({ timeout: 5000 });
      problems.push(`workers that took no probe task in 60 s (stuck): ${idle.join(' ')}; their stats: ${JSON.stringify(Object.values(stats).filter((s) => idle.includes(s.pid)))}`);
    });
  } catch (error) {
    problems.push(`the soak itself failed: ${(error as Error).stack}`);
  } finally {
    stop.abort();
    closing = true;
    for (const connection of connections) connection.disconnect();
    await harness.closeAll();
  }
  report.elapsedMs = Date.now() - started;
  return report;
}

export function formatReport(r: SoakReport): string {
  return [
    `seed ${r.seed}: ${r.tasks} tasks in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `  ${r.succeeded} results SUCCESS as computed, ${r.failedAsMeant} FAILURE as meant`,
    `  chaos: ${r.kills} workers SIGKILLed, ${r.redisRestarts} Redis restarts, ${r.clientKillRounds} CLIENT KILL rounds (${r.clientsKilled} connections)`,
    `  chords: ${r.chords} (callbacks run ${r.chordCallbacksRun} times, each sent once; ${r.chordCallbackReruns} reruns after a worker died)`,
    `  duplicate runs (at-least-once): ${r.duplicateRuns} extra runs of ${r.duplicatedAttempts} attempts`,
    r.problems.length === 0 ? '  nothing lost: every invariant holds' : `  ${r.problems.length} PROBLEMS:\n${r.problems.map((p) => `   - ${p}`).join('\n')}`,
  ].join('\n');
}
