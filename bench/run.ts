import IORedis from 'ioredis';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { killAllChildren } from './child-runner';
import { runClusterBench } from './cluster-bench';
import { BenchHelp, parseBenchOptions, type BenchOptions } from './options';
import { startPrivateRedis, type PrivateRedis } from './redis/private-redis';
import { machineInfo } from './report/machine-info';
import { writeResults } from './report/markdown-file';
import { renderMarkdown, renderText } from './report/render';
import { buildRows } from './report/rows';
import { runBacklogScenario } from './scenarios/backlog.scenario';
import { BenchContext } from './scenarios/bench-context';
import { runEnqueueScenario } from './scenarios/enqueue.scenario';
import { runLatencyScenario } from './scenarios/latency.scenario';
import { runLatenessScenario } from './scenarios/lateness.scenario';
import { runVariantScenario } from './scenarios/variant.scenario';
import { runWorkersScenario } from './scenarios/workers.scenario';

/**
 * `npm run bench`: nestjs-tasks and BullMQ side by side on one Redis. Each side of
 * each measurement runs in a fresh child process on an empty namespace, the two
 * libraries taking turns at going first.
 */
async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof BenchHelp) {
      process.stdout.write(error.message);
      return;
    }
    throw error;
  }
  if (options.cluster) {
    const { tasks, concurrency, chunk, rounds, masters, shards, libs } = options;
    if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
    await runClusterBench({ tasks, concurrency, chunk, rounds, masters, shards, libs, profileDir: options.profileDir });
    return;
  }
  const loadAtStart = loadavg()[0];
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  let server: PrivateRedis | undefined;
  if (!options.redisUrl) server = await startPrivateRedis();
  const redisUrl = options.redisUrl ?? server!.url;
  const admin = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 3, retryStrategy: () => null });
  admin.on('error', () => undefined);
  const stopSignals = () => {
    killAllChildren();
    void server?.stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', stopSignals);
  process.once('SIGTERM', stopSignals);
  const ctx = new BenchContext(options, redisUrl, admin);
  try {
    await admin.connect().catch((error: Error) => {
      throw new Error(`Could not reach Redis at ${withoutPassword(redisUrl)}: ${error.message}`);
    });
    ctx.log(`Redis ${withoutPassword(redisUrl)}${server ? ' (private)' : ''}; ${options.tasks} tasks, concurrency ${options.concurrency}`);
    const started = Date.now();
    for (let round = 1; round <= options.rounds; round++) {
      if (options.rounds > 1) ctx.log(`round ${round} of ${options.rounds}`);
      if (options.only.has('enqueue')) await runEnqueueScenario(ctx);
      if (options.only.has('fanout') || options.only.has('process')) {
        await runBacklogScenario(ctx, { priorities: false, process: options.only.has('process') });
      }
      // Right after the plain run, which they are compared with.
      if (options.only.has('events')) await runVariantScenario(ctx, 'events');
      if (options.only.has('telemetry')) await runVariantScenario(ctx, 'telemetry');
      if (options.only.has('keys')) await runVariantScenario(ctx, 'keys');
      if (options.only.has('priorities')) await runBacklogScenario(ctx, { priorities: true, process: true });
      if (options.only.has('latency')) await runLatencyScenario(ctx);
      if (options.only.has('lateness')) await runLatenessScenario(ctx);
      if (options.only.has('workers')) await runWorkersScenario(ctx);
    }
    ctx.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const rows = buildRows(ctx.figures, options);
    process.stdout.write(`${renderText(rows)}\n`);
    if (options.markdown) {
      const machine = await machineInfo(admin, loadAtStart);
      writeResults(options.markdown, renderMarkdown(rows, machine, options));
      ctx.log(`\nwrote ${options.markdown}`);
    }
  } finally {
    killAllChildren();
    await ctx.cleanAll().catch(() => undefined);
    await admin.quit().catch(() => admin.disconnect());
    await server?.stop();
    process.off('SIGINT', stopSignals);
    process.off('SIGTERM', stopSignals);
  }
}

/** The URL safe to print. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exitCode = 1;
});
