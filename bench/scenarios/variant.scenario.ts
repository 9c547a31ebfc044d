import type { LibraryVariant } from '../child/protocol';
import type { BenchContext } from './bench-context';
import { cpuPerTask, formatRate, rateOf } from './enqueue.scenario';

/**
 * nestjs-tasks with `events: true`, or with telemetry and a recording tracer provider:
 * the same backlog as the processing measurement, filled and drained with that set-up
 * (producer and worker), to compare with the plain run. BullMQ has no such switch (it
 * always writes its event stream), so only nestjs-tasks runs here.
 */
export async function runVariantScenario(ctx: BenchContext, variant: LibraryVariant): Promise<void> {
  if (!ctx.options.libs.includes('nestjs-tasks')) return;
  const { tasks, chunk, concurrency } = ctx.options;
  const lib = 'nestjs-tasks';
  await ctx.run(lib, 'fill', { tasks, chunk, priorities: false, variant });
  const { result, redis } = await ctx.run(lib, 'process', { tasks, concurrency, variant });
  if (result.kind !== 'process') throw new Error(`expected a processing result, got ${result.kind}`);
  if (result.leftover !== 0) throw new Error(`${lib} (${variant}) left ${result.leftover} message(s) in the queue after processing ${tasks}`);
  ctx.record(`${variant}.rate`, lib, rateOf(result));
  ctx.record(`${variant}.cpuPerTask`, lib, cpuPerTask(result));
  ctx.record(`${variant}.redisCpuPerTask`, lib, (redis.cpuMs * 1000) / tasks);
  // Proof that the set-up did what it says: stream entries written, spans recorded.
  const proof =
    variant === 'events'
      ? `${await ctx.admin.xlen(`${ctx.prefixOf(lib)}:events`)} entries in the events stream`
      : `${((result.spans ?? 0) / tasks).toFixed(2)} spans exported per task`;
  ctx.log(`  processing, ${variant.padEnd(9)} on   ${lib.padEnd(13)} ${formatRate(result)}; Redis CPU ${Math.round(redis.cpuMs)} ms; ${proof}`);
  await ctx.clean(lib);
}
