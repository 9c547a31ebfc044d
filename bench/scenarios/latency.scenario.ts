import type { BenchContext } from './bench-context';

/**
 * A worker waits on an empty queue; a producer process enqueues at a steady rate,
 * one call per task, carrying the send time; the task body notes when it started.
 * The first `warmup` ms of tasks are not counted.
 */
export async function runLatencyScenario(ctx: BenchContext): Promise<void> {
  await measureAt(ctx, ctx.options.rate, 'latency');
  await measureAt(ctx, ctx.options.highRate, 'latencyHigh');
}

async function measureAt(ctx: BenchContext, rate: number, key: 'latency' | 'latencyHigh'): Promise<void> {
  const { duration, warmup, concurrency } = ctx.options;
  const skip = Math.round((rate * warmup) / 1000);
  const tasks = skip + Math.round((rate * duration) / 1000);
  for (const lib of ctx.nextOrder()) {
    const worker = ctx.start(lib, 'latency-worker', { tasks, skip, concurrency, warmTasks: ctx.options.warmTasks });
    await worker.ready;
    const producer = ctx.start(lib, 'latency-producer', { tasks, rate });
    const [measured, sent] = await Promise.all([worker.result, producer.result]);
    if (measured.kind !== 'latency' || sent.kind !== 'sent') throw new Error('unexpected latency results');
    ctx.record(`${key}.p50`, lib, measured.p50);
    ctx.record(`${key}.p90`, lib, measured.p90);
    ctx.record(`${key}.p99`, lib, measured.p99);
    ctx.record(`${key}.max`, lib, measured.max);
    ctx.log(
      `  latency at ${Math.round(sent.tasks / sent.seconds)}/s          ${lib.padEnd(13)} p50 ${measured.p50.toFixed(2)} ms, p90 ${measured.p90.toFixed(2)} ms, p99 ${measured.p99.toFixed(2)} ms, max ${measured.max.toFixed(2)} ms (${measured.samples} samples)`,
    );
    await ctx.clean(lib);
  }
}
