/**
 * `npm run soak [-- --tasks 100000 --duration 120 --workers 4 --seed 42 ...]`: the chaos
 * soak (test/soak/soak.ts) at full size. Flags may also come from the environment
 * (SOAK_TASKS, SOAK_DURATION, ...). Prints its figures; exits 1 when an invariant broke.
 */
import { parseArgs } from 'node:util';
import { defaultSoakOptions, formatReport, runSoak, type SoakOptions } from './soak';

const flags = {
  tasks: 'SOAK_TASKS',
  duration: 'SOAK_DURATION',
  workers: 'SOAK_WORKERS',
  concurrency: 'SOAK_CONCURRENCY',
  seed: 'SOAK_SEED',
  'kill-every': 'SOAK_KILL_EVERY',
  'max-kills': 'SOAK_MAX_KILLS',
  restarts: 'SOAK_RESTARTS',
  'client-kills': 'SOAK_CLIENT_KILLS',
  'visibility-timeout': 'SOAK_VISIBILITY_TIMEOUT',
} as const;
type Flag = keyof typeof flags;

const USAGE = `npm run soak -- [options]   (or the environment variables in brackets)
  --tasks N               tasks to send, workflow steps included (${defaultSoakOptions.tasks}) [SOAK_TASKS]
  --duration S            seconds over which they are sent; chaos happens within (${defaultSoakOptions.durationMs / 1000}) [SOAK_DURATION]
  --workers N             worker processes (${defaultSoakOptions.workers}) [SOAK_WORKERS]
  --concurrency N         tasks at once per worker (${defaultSoakOptions.concurrency}) [SOAK_CONCURRENCY]
  --seed N                the plan's seed (random) [SOAK_SEED]
  --kill-every MIN-MAX    seconds between worker SIGKILLs (${defaultSoakOptions.killEveryMs.map((ms) => ms / 1000).join('-')}) [SOAK_KILL_EVERY]
  --max-kills N           stop killing after N (unlimited) [SOAK_MAX_KILLS]
  --restarts N            Redis restarts (${defaultSoakOptions.redisRestarts}) [SOAK_RESTARTS]
  --client-kills N        CLIENT KILL TYPE normal rounds (${defaultSoakOptions.clientKillRounds}) [SOAK_CLIENT_KILLS]
  --visibility-timeout MS lease of a fetched message (${defaultSoakOptions.visibilityTimeout}) [SOAK_VISIBILITY_TIMEOUT]
`;

function options(): Partial<SoakOptions> {
  const { values } = parseArgs({
    options: { ...Object.fromEntries(Object.keys(flags).map((f) => [f, { type: 'string' as const }])), help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const get = (flag: Flag): string | undefined => ((values as Record<string, unknown>)[flag] as string | undefined) ?? process.env[flags[flag]];
  const num = (flag: Flag): number | undefined => {
    const raw = get(flag);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag}: not a number: ${raw}\n${USAGE}`);
    return value;
  };
  const out: Partial<SoakOptions> = {};
  const set = <K extends keyof SoakOptions>(key: K, value: SoakOptions[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('tasks', num('tasks'));
  const duration = num('duration');
  set('durationMs', duration === undefined ? undefined : duration * 1000);
  set('workers', num('workers'));
  set('concurrency', num('concurrency'));
  set('seed', num('seed'));
  set('maxKills', num('max-kills'));
  set('redisRestarts', num('restarts'));
  set('clientKillRounds', num('client-kills'));
  set('visibilityTimeout', num('visibility-timeout'));
  const every = get('kill-every');
  if (every !== undefined) {
    const [min, max = min] = every.split('-').map(Number);
    if (!(min > 0 && max >= min)) throw new Error(`--kill-every: expected MIN-MAX seconds, got ${every}\n${USAGE}`);
    out.killEveryMs = [min * 1000, max * 1000];
  }
  return out;
}

async function main(): Promise<void> {
  const report = await runSoak(options());
  process.stdout.write(`\n${formatReport(report)}\n`);
  process.exitCode = report.problems.length === 0 ? 0 : 1;
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exitCode = 1;
});
