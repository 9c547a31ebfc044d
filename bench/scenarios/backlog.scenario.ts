import type { BenchContext } from './bench-context';
import { cpuPerTask, formatRate, rateOf } from './enqueue.scenario';

export interface BacklogSettings {
  /** Every task gets a random priority 1-9 (the same sequence for both libraries). */
  priorities: boolean;
  /** Also drain the backlog with one worker; without it only the fan-out is measured. */
  process: boolean;
}

/**
 * Fan-out of `tasks` (delayMany / addBulk in chunks) into an empty queue, then one
 * worker process (concurrency `concurrency`) drains it, timed from start to the
 * last task body.
 */
export async function runBacklogScenario(ctx: BenchContext, settings: BacklogSettings): Promise<void> {
  const { tasks, chunk, concurrency, warmTasks } = ctx.options;
  const label = settings.priorities ? 'priorities 1-9' : 'no priorities ';
  for (const lib of ctx.nextOrder()) {
    const fill = await ctx.run(lib, 'fill', { tasks, chunk, priorities: settings.priorities, warmTasks });
    ctx.record(settings.priorities ? 'priorities.fanoutRate' : 'fanout.rate', lib, rateOf(fill.result));
    if (!settings.priorities) ctx.record('fill.redisBytesPerTask', lib, fill.redis.memoryDelta / tasks);
    ctx.log(`  fan-out, chunks of ${chunk}, ${label} ${lib.padEnd(13)} ${formatRate(fill.result)}`);
    if (settings.process) {
      const { result, redis } = await ctx.run(lib, 'process', { tasks, concurrency, warmTasks });
      if (result.kind !== 'process') throw new Error(`expected a processing result, got ${result.kind}`);
      if (result.leftover !== 0) throw new Error(`${lib} left ${result.leftover} message(s) in the queue after processing ${tasks}`);
      ctx.record(settings.priorities ? 'priorities.rate' : 'process.rate', lib, rateOf(result));
      if (!settings.priorities) {
        ctx.record('process.cpuPerTask', lib, cpuPerTask(result));
        ctx.record('process.rss', lib, result.memory.rss);
        ctx.record('process.heapUsed', lib, result.memory.heapUsed);
        ctx.record('process.maxRss', lib, result.memory.maxRss);
        ctx.record('process.redisCpuPerTask', lib, (redis.cpuMs * 1000) / tasks);
        ctx.record('process.redisCallsPerTask', lib, redis.totalCalls / tasks);
      }
      const top = Object.entries(redis.calls)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([command, calls]) => `${command} ${calls}`)
        .join(', ');
      ctx.log(`  processing,       ${label} ${lib.padEnd(13)} ${formatRate(result)}; Redis CPU ${Math.round(redis.cpuMs)} ms; ${top}`);
    }
    await ctx.clean(lib);
  }
}
