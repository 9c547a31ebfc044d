import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { assertPrepared, FIXTURES } from './fixtures';
import { runNode } from './run-node';

/** What test/compat/app/main.ts prints after its task ran. */
interface AppReport {
  id: string;
  state: string;
  greeting: { text: string; task: string };
  moduleSystem: string;
  nestVersion: string;
  sharesNest: boolean;
  resolved: Record<string, string>;
}

const APP_TIMEOUT_MS = 45_000;
const TEST_TIMEOUT_MS = APP_TIMEOUT_MS + 15_000;

function parseReport(stdout: string): AppReport {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith('COMPAT '));
  if (!line) throw new Error(`the app printed no COMPAT line:\n${stdout}`);
  return JSON.parse(line.slice('COMPAT '.length)) as AppReport;
}

async function deleteKeys(prefix: string): Promise<number> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true });
  try {
    await redis.connect();
    let deleted = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    }
    return deleted;
  } finally {
    redis.disconnect();
  }
}

describe.each(FIXTURES)('$name app using the packed library', (fixture) => {
  beforeAll(() => assertPrepared(fixture));

  it('runs a @Task through TaskClient and TaskWorker on Redis, prints the result and exits 0', async () => {
    const prefix = uniquePrefix(`compat-${fixture.name}`);
    const run = await runNode([join('dist', 'main.js')], {
      cwd: fixture.dir,
      env: { REDIS_URL: testRedisUrl(), TASKS_PREFIX: prefix },
      timeoutMs: APP_TIMEOUT_MS,
    });
    const context = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
    expect({ code: run.code, signal: run.signal, context }).toEqual({ code: 0, signal: null, context });
    expect(run.stderr).not.toMatch(/error|warning/i);

    const report = parseReport(run.stdout);
    expect(report.state).toBe('SUCCESS');
    // The injected Greeter ran inside the task, and currentTask() saw the task's context.
    expect(report.greeting).toEqual({ text: 'Hello, Ada! Hello, Ada!', task: 'GreetingTasks.greet' });
    expect(report.moduleSystem).toBe(fixture.moduleSystem);
    expect(Number(report.nestVersion.split('.')[0])).toBe(fixture.nestMajor);

    // Nest, the library and its dependencies all come from the app's own node_modules,
    // and the library uses the app's copy of Nest (no second copy in memory).
    expect(report.sharesNest).toBe(true);
    const ownModules = join(fixture.dir, 'node_modules') + sep;
    for (const [what, file] of Object.entries(report.resolved)) {
      expect({ what, file, inAppModules: file.startsWith(ownModules) }).toEqual({ what, file, inAppModules: true });
    }
    expect(report.resolved.library).toBe(join(ownModules, 'nestjs-tasks', 'dist', 'lib', 'index.js'));
    expect(report.resolved.libraryNestCommon).toBe(report.resolved.nestCommon);

    // The task really went through this Redis, under the app's prefix.
    expect(await deleteKeys(prefix)).toBeGreaterThan(0);
  }, TEST_TIMEOUT_MS);

  it(`resolves nestjs-tasks to its ${fixture.moduleSystem === 'esm' ? 'ES module' : 'CommonJS'} entry`, async () => {
    const expected = join(fixture.dir, 'node_modules', 'nestjs-tasks', 'dist', 'lib', fixture.moduleSystem === 'esm' ? 'index.mjs' : 'index.js');
    const script =
      fixture.moduleSystem === 'esm'
        ? ['--input-type=module', '-e', "process.stdout.write(import.meta.resolve('nestjs-tasks'))"]
        : ['-e', "process.stdout.write(require.resolve('nestjs-tasks'))"];
    const run = await runNode(script, { cwd: fixture.dir, timeoutMs: 20_000 });
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toBe(fixture.moduleSystem === 'esm' ? pathToFileURL(expected).href : expected);
  });
});
