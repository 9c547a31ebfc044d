import type { LibraryName } from './child/protocol';

/** What one run measures and how hard; every field has a flag and an environment variable. */
export interface BenchOptions {
  /** Tasks per measurement (enqueue, fan-out, backlog). */
  tasks: number;
  /** Worker concurrency. */
  concurrency: number;
  /** Outstanding delay() / add() calls in the enqueue measurement. */
  inFlight: number;
  /** Tasks per delayMany() / addBulk() call. */
  chunk: number;
  /** Tasks enqueued one at a time, awaited, to compare fan-out per task. */
  sequentialTasks: number;
  /** Steady enqueue rate of the latency measurement, tasks/s. */
  rate: number;
  /** The second, busier rate of the latency measurement, tasks/s. */
  highRate: number;
  /** Measured part of the latency run, ms. */
  duration: number;
  /** Unmeasured start of the latency run, ms (JIT, connections). */
  warmup: number;
  /** Tasks a processing child runs through a worker of its own before the timed one (JIT). */
  warmTasks: number;
  /** Untimed enqueues (100 in flight) before the timed ones: a producer's code keeps getting faster for some 50,000 calls (JIT). */
  producerWarmTasks: number;
  /** CPU each task of the worker-process measurement's second series burns, µs (tasks that do work, not noops). */
  taskCpuUs: number;
  /** Repeats of every measurement; the median is reported. */
  rounds: number;
  /** Which measurements to run. */
  only: ReadonlySet<ScenarioName>;
  /** Which libraries to run (both unless narrowed, e.g. to profile one). */
  libs: readonly LibraryName[];
  /** Write the results into this Markdown file (between markers, or the whole file). */
  markdown?: string;
  /** Run the children with --cpu-prof into this directory. */
  profileDir?: string;
  /** An existing Redis to use instead of a private redis-server. */
  redisUrl?: string;
  /** Run the Redis Cluster comparison instead (one hot queue, one node against a private cluster). */
  cluster: boolean;
  /** Masters of the private cluster (--cluster). */
  masters: number;
  /** Shards of the nestjs-tasks queue on the cluster (--cluster). */
  shards: number;
}

export const SCENARIOS = ['enqueue', 'fanout', 'process', 'priorities', 'latency', 'lateness', 'events', 'telemetry', 'keys', 'workers'] as const;
export const LIBRARIES: readonly LibraryName[] = ['nestjs-tasks', 'bullmq'];
export type ScenarioName = (typeof SCENARIOS)[number];

export class BenchOptionError extends Error {
  constructor(option: string, value: unknown, expected: string) {
    super(`Invalid bench option ${option}: ${JSON.stringify(value)} (expected ${expected})`);
    this.name = 'BenchOptionError';
  }
}

interface IntegerOption {
  key: 'tasks' | 'concurrency' | 'inFlight' | 'chunk' | 'sequentialTasks' | 'rate' | 'highRate' | 'duration' | 'warmup' | 'warmTasks' | 'producerWarmTasks' | 'taskCpuUs' | 'rounds' | 'masters' | 'shards';
  flag: string;
  env: string;
  fallback: number;
  min: number;
}

const INTEGER_OPTIONS: IntegerOption[] = [
  { key: 'tasks', flag: '--tasks', env: 'BENCH_TASKS', fallback: 20_000, min: 1 },
  { key: 'concurrency', flag: '--concurrency', env: 'BENCH_CONCURRENCY', fallback: 50, min: 1 },
  { key: 'inFlight', flag: '--in-flight', env: 'BENCH_IN_FLIGHT', fallback: 100, min: 1 },
  { key: 'chunk', flag: '--chunk', env: 'BENCH_CHUNK', fallback: 1000, min: 1 },
  { key: 'sequentialTasks', flag: '--sequential-tasks', env: 'BENCH_SEQUENTIAL_TASKS', fallback: 2000, min: 1 },
  { key: 'rate', flag: '--rate', env: 'BENCH_RATE', fallback: 500, min: 1 },
  { key: 'highRate', flag: '--high-rate', env: 'BENCH_HIGH_RATE', fallback: 5000, min: 1 },
  { key: 'duration', flag: '--duration', env: 'BENCH_DURATION', fallback: 10_000, min: 100 },
  { key: 'warmup', flag: '--warmup', env: 'BENCH_WARMUP', fallback: 1000, min: 0 },
  { key: 'warmTasks', flag: '--warm-tasks', env: 'BENCH_WARM_TASKS', fallback: 5000, min: 0 },
  { key: 'producerWarmTasks', flag: '--producer-warm-tasks', env: 'BENCH_PRODUCER_WARM_TASKS', fallback: 50_000, min: 0 },
  { key: 'taskCpuUs', flag: '--task-cpu-us', env: 'BENCH_TASK_CPU_US', fallback: 500, min: 1 },
  { key: 'rounds', flag: '--rounds', env: 'BENCH_ROUNDS', fallback: 1, min: 1 },
  { key: 'masters', flag: '--masters', env: 'BENCH_MASTERS', fallback: 3, min: 1 },
  { key: 'shards', flag: '--shards', env: 'BENCH_SHARDS', fallback: 6, min: 1 },
];

export const USAGE = `Usage: node dist/bench/run.js [options]   (npm run bench -- [options])

${INTEGER_OPTIONS.map((o) => `  ${`${o.flag} <n>`.padEnd(24)} ${o.env}, default ${o.fallback}`).join('\n')}
  --only <list>            BENCH_ONLY, default all: ${SCENARIOS.join(',')}
  --libs <list>            BENCH_LIBS, default both: ${LIBRARIES.join(',')}
  --markdown <file>        BENCH_MARKDOWN: write the results into this Markdown file
  --profile <dir>          BENCH_PROFILE: children run with --cpu-prof into <dir>
  --cluster                BENCH_CLUSTER=1: one hot queue on one node against a private
                           Redis Cluster of --masters masters (nestjs-tasks with --shards shards)
  REDIS_URL                use this Redis (else a private redis-server is started)
`;

/** Flags win over environment variables, which win over defaults. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new BenchHelp();
    if (arg === '--cluster') {
      flags.set('--cluster', '1');
      continue;
    }
    const [name, inline] = arg.split('=', 2);
    const known = INTEGER_OPTIONS.some((o) => o.flag === name) || ['--only', '--libs', '--markdown', '--profile'].includes(name);
    if (!known) throw new BenchOptionError('argument', arg, `one of the flags below\n\n${USAGE}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new BenchOptionError(name, value, 'a value');
    flags.set(name, value);
  }
  const options: Record<string, number> = {};
  for (const o of INTEGER_OPTIONS) {
    const raw = flags.get(o.flag) ?? env[o.env];
    const name = flags.has(o.flag) ? o.flag : o.env;
    if (raw === undefined || raw === '') {
      options[o.key] = o.fallback;
      continue;
    }
    const value = Number(raw.replace(/_/g, ''));
    if (!Number.isInteger(value) || value < o.min) throw new BenchOptionError(name, raw, `an integer >= ${o.min}`);
    options[o.key] = value;
  }
  const onlyRaw = flags.get('--only') ?? env.BENCH_ONLY;
  const only = new Set<ScenarioName>();
  for (const part of (onlyRaw || SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(SCENARIOS as readonly string[]).includes(part)) {
      throw new BenchOptionError(flags.has('--only') ? '--only' : 'BENCH_ONLY', part, `a list of ${SCENARIOS.join(', ')}`);
    }
    only.add(part as ScenarioName);
  }
  const libsRaw = flags.get('--libs') ?? env.BENCH_LIBS;
  const libs = (libsRaw || LIBRARIES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const lib of libs) {
    if (!(LIBRARIES as readonly string[]).includes(lib)) {
      throw new BenchOptionError(flags.has('--libs') ? '--libs' : 'BENCH_LIBS', lib, `a list of ${LIBRARIES.join(', ')}`);
    }
  }
  return {
    ...(options as Pick<BenchOptions, IntegerOption['key']>),
    only,
    libs: LIBRARIES.filter((lib) => libs.includes(lib)),
    markdown: flags.get('--markdown') ?? (env.BENCH_MARKDOWN || undefined),
    profileDir: flags.get('--profile') ?? (env.BENCH_PROFILE || undefined),
    redisUrl: env.REDIS_URL || undefined,
    cluster: flags.has('--cluster') || env.BENCH_CLUSTER === '1',
  };
}

/** Thrown for --help: the runner prints the usage and exits 0. */
export class BenchHelp extends Error {
  constructor() {
    super(USAGE);
  }
}
