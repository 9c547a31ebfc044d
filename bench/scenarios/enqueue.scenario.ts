import type { ChildResult } from '../child/protocol';
import type { BenchContext } from './bench-context';

/** Single enqueues: `inFlight` outstanding at once, then one at a time (the fan-out baseline). */
export async function runEnqueueScenario(ctx: BenchContext): Promise<void> {
  const { tasks, inFlight, sequentialTasks, producerWarmTasks } = ctx.options;
  for (const lib of ctx.nextOrder()) {
    const { result } = await ctx.run(lib, 'enqueue', { tasks, inFlight, warmTasks: producerWarmTasks });
    ctx.record('enqueue.rate', lib, rateOf(result));
    ctx.record('enqueue.cpuPerTask', lib, cpuPerTask(result));
    ctx.log(`  enqueue, ${inFlight} in flight      ${lib.padEnd(13)} ${formatRate(result)}`);
    await ctx.clean(lib);
  }
  for (const lib of ctx.nextOrder()) {
    const { result } = await ctx.run(lib, 'enqueue-sequential', { tasks: sequentialTasks });
    ctx.record('enqueue.sequentialRate', lib, rateOf(result));
    ctx.log(`  enqueue, one at a time       ${lib.padEnd(13)} ${formatRate(result)}`);
    await ctx.clean(lib);
  }
}

export function rateOf(result: ChildResult): number {
  if (result.kind !== 'rate' && result.kind !== 'process' && result.kind !== 'sent') throw new Error(`expected a rate, got ${result.kind}`);
  return result.tasks / result.seconds;
}

/** CPU time of the child's timed part per task, µs. */
export function cpuPerTask(result: ChildResult): number {
  if (result.kind !== 'rate' && result.kind !== 'process') throw new Error(`expected a timed result, got ${result.kind}`);
  return result.cpuMicros / result.tasks;
}

export function formatRate(result: ChildResult): string {
  const seconds = 'seconds' in result ? result.seconds : NaN;
  const cpu = 'cpuMicros' in result ? `, ${cpuPerTask(result).toFixed(1)} µs CPU/task` : '';
  return `${Math.round(rateOf(result)).toLocaleString('en-US')} tasks/s (${seconds.toFixed(2)} s${cpu})`;
}
