import { COMPACT_BATCH_FIELD, decodeEventBatch } from '../../lib/broker/ports/event-codec';
import { BENCH_KEY_LIMIT, BENCH_KEYS, BENCH_QUEUE } from '../adapters/bench.tasks';
import type { ChildResult, LibraryVariant } from '../child/protocol';
import type { RedisUsage } from '../redis/redis-stats';
import type { BenchContext } from './bench-context';
import { cpuPerTask, formatRate, rateOf } from './enqueue.scenario';

/**
 * nestjs-tasks with `events: true`, with telemetry and a recording tracer provider, or
 * with every task under one of 100 concurrency keys of limit 5 (`keys`):
 * the same backlog as the processing measurement, filled and drained with that set-up
 * (producer and worker). Its cost is measured against plain drains of the same round, in
 * the order plain, variant, variant, plain (variant, plain, plain, variant every other round):
 * this machine's speed drifts within a round, and a drain right after another tends to be
 * faster; both cancel out in the pair's sums. BullMQ has no such switch (it always writes its
 * event stream), so only nestjs-tasks runs here.
 */
export async function runVariantScenario(ctx: BenchContext, variant: LibraryVariant): Promise<void> {
  if (!ctx.options.libs.includes('nestjs-tasks')) return;
  const lib = 'nestjs-tasks';
  const round = ctx.figures.get(`${variant}.cost`)?.[lib].length ?? 0;
  const order = round % 2 === 0 ? [false, true, true, false] : [true, false, false, true];
  const rates = { plain: 0, variant: 0 };
  for (const withVariant of order) {
    const drained = await drain(ctx, withVariant ? variant : undefined);
    rates[withVariant ? 'variant' : 'plain'] += rateOf(drained.result);
    if (!withVariant) {
      ctx.log(`  processing, plain to compare      ${lib.padEnd(13)} ${formatRate(drained.result)}; Redis CPU ${Math.round(drained.redis.cpuMs)} ms`);
      await ctx.clean(lib);
      continue;
    }
    const { result, redis } = drained;
    ctx.record(`${variant}.rate`, lib, rateOf(result));
    ctx.record(`${variant}.cpuPerTask`, lib, cpuPerTask(result));
    ctx.record(`${variant}.redisCpuPerTask`, lib, (redis.cpuMs * 1000) / ctx.options.tasks);
    // Proof that the set-up did what it says: events written, spans recorded.
    const proof =
      variant === 'events'
        ? await eventsWritten(ctx, `${ctx.prefixOf(lib)}:events`)
        : variant === 'keys'
          ? `${BENCH_KEYS} keys of limit ${BENCH_KEY_LIMIT}; key slots still held after: ${await ctx.admin.hlen(`${ctx.prefixOf(lib)}:{${BENCH_QUEUE}}:ck:run`)}`
          : `${((result.spans ?? 0) / ctx.options.tasks).toFixed(2)} spans exported per task`;
    ctx.log(`  processing, ${variant.padEnd(9)} on   ${lib.padEnd(13)} ${formatRate(result)}; Redis CPU ${Math.round(redis.cpuMs)} ms; ${proof}`);
    await ctx.clean(lib);
  }
  // Sums of rates: the pair's two drains weigh the same whatever their order.
  ctx.record(`${variant}.cost`, lib, 1 - rates.variant / rates.plain);
  if (variant === 'keys') await measureLoneBehindFlood(ctx);
}

/** Fills the backlog and drains it with one worker, plain or with `variant`. */
async function drain(ctx: BenchContext, variant: LibraryVariant | undefined): Promise<{ result: Extract<ChildResult, { kind: 'process' }>; redis: RedisUsage }> {
  const { tasks, chunk, concurrency } = ctx.options;
  const lib = 'nestjs-tasks';
  const setUp = variant === undefined ? {} : { variant };
  await ctx.run(lib, 'fill', { tasks, chunk, priorities: false, ...setUp });
  const { result, redis } = await ctx.run(lib, 'process', { tasks, concurrency, warmTasks: ctx.options.warmTasks, ...setUp });
  if (result.kind !== 'process') throw new Error(`expected a processing result, got ${result.kind}`);
  if (result.leftover !== 0) throw new Error(`${lib} (${variant ?? 'plain'}) left ${result.leftover} message(s) in the queue after processing ${tasks}`);
  return { result, redis };
}

/** How many events the stream holds, and in how many entries (a flush's events are packed). */
async function eventsWritten(ctx: BenchContext, key: string): Promise<string> {
  const entries = (await ctx.admin.xrange(key, '-', '+')) as Array<[string, string[]]>;
  let events = 0;
  for (const [id, fields] of entries) events += fields[0] === COMPACT_BATCH_FIELD ? decodeEventBatch(id, fields[1]).length : 1;
  return `${events} events in ${entries.length} entries of the events stream`;
}

/** Tasks of one key flooding the queue ahead of a lone task of another. */
const FLOOD = 2000;

/**
 * A worker waits on an empty queue; a producer floods it with FLOOD tasks of one key, then
 * sends one task of no key: how long it waits. nestjs-tasks: the flood's key has limit 5,
 * so the lone task is fetched beside its five; BullMQ (no keys): behind the whole flood.
 */
async function measureLoneBehindFlood(ctx: BenchContext): Promise<void> {
  for (const lib of ctx.nextOrder()) {
    const variant = lib === 'nestjs-tasks' ? ({ variant: 'keys' } as const) : {};
    const worker = ctx.start(lib, 'latency-worker', { tasks: FLOOD + 1, skip: 0, concurrency: ctx.options.concurrency, ...variant });
    await worker.ready;
    const producer = ctx.start(lib, 'flood-producer', { tasks: FLOOD, ...variant });
    const [measured, sent] = await Promise.all([worker.result, producer.result]);
    if (measured.kind !== 'latency' || sent.kind !== 'sent' || measured.samples !== 1) throw new Error('unexpected results of the lone task behind a flood');
    ctx.record('keysLone.ms', lib, measured.p50);
    ctx.log(`  lone task behind ${FLOOD} of one key ${lib.padEnd(13)} started ${measured.p50.toFixed(2)} ms after it was sent${lib === 'nestjs-tasks' ? ' (the flood limited to 5 at a time)' : ' (no keys: behind the flood)'}`);
    await ctx.clean(lib);
  }
}
