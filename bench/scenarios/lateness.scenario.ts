import type { BenchContext } from './bench-context';

/** Countdowns of the lateness measurement, ms. */
export const LATENESS_COUNTDOWN = { min: 50, max: 500 } as const;

/**
 * Delayed tasks: a producer sends at a steady rate, each task with a random countdown
 * of 50-500 ms and its due time; the task body notes when it started. Lateness is
 * start minus due time. The first `warmup` ms of tasks are not counted.
 */
export async function runLatenessScenario(ctx: BenchContext): Promise<void> {
  const { rate, duration, warmup, concurrency } = ctx.options;
  const skip = Math.round((rate * warmup) / 1000);
  const tasks = skip + Math.round((rate * duration) / 1000);
  for (const lib of ctx.nextOrder()) {
    const worker = ctx.start(lib, 'latency-worker', { tasks, skip, concurrency, warmTasks: ctx.options.warmTasks });
    await worker.ready;
    const producer = ctx.start(lib, 'latency-producer', { tasks, rate, countdown: LATENESS_COUNTDOWN });
    const [measured, sent] = await Promise.all([worker.result, producer.result]);
    if (measured.kind !== 'latency' || sent.kind !== 'sent') throw new Error('unexpected lateness results');
    ctx.record('lateness.p50', lib, measured.p50);
    ctx.record('lateness.p99', lib, measured.p99);
    ctx.record('lateness.max', lib, measured.max);
    ctx.log(
      `  lateness at ${Math.round(sent.tasks / sent.seconds)}/s         ${lib.padEnd(13)} p50 ${measured.p50.toFixed(2)} ms, p90 ${measured.p90.toFixed(2)} ms, p99 ${measured.p99.toFixed(2)} ms, max ${measured.max.toFixed(2)} ms (${measured.samples} samples)`,
    );
    await ctx.clean(lib);
  }
}
