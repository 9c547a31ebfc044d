import type { INestApplicationContext } from '@nestjs/common';
import { TaskWorker } from '../lib';

/**
 * The timed part of the cost scripts (events-cost.ts, telemetry-cost.ts): enqueue a
 * backlog with `enqueue`, then drain it with one worker of `concurrency` on `queue`
 * until `drained()` says every task ran. Both durations, ms.
 */
export async function timeBacklog(
  app: INestApplicationContext,
  options: { queue: string; concurrency: number; enqueue: () => Promise<void>; drained: () => boolean },
): Promise<{ enqueueMs: number; processMs: number }> {
  const enqueueStart = performance.now();
  await options.enqueue();
  const enqueueMs = performance.now() - enqueueStart;
  const processStart = performance.now();
  await app.get(TaskWorker).start({ queues: [options.queue], concurrency: options.concurrency });
  // The script's own probe: the last task body has run (a bench measures, it is no test).
  while (!options.drained()) await new Promise((resolve) => setTimeout(resolve, 5));
  return { enqueueMs, processMs: performance.now() - processStart };
}
