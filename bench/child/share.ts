import type { BenchConsumer } from '../adapters/library-adapter';
import { probe, wallClock } from './probe';
import type { ChildMessage, ChildResult, RunnerMessage } from './protocol';

/** How often a worker of several tells the runner how many tasks it ran, at most, ms. */
export const PROGRESS_INTERVAL_MS = 10;

/** The IPC side of a `process-share` child. */
export interface ShareChannel {
  send(message: ChildMessage): Promise<void>;
  /** Resolves on the runner's next message of this type. */
  next(type: RunnerMessage['type']): Promise<void>;
}

/**
 * One of several worker processes draining one backlog. Only the runner knows when the
 * whole backlog has run (it adds up the counts), so it says when to stop; each process then
 * notes when the queue holds nothing, running or waiting (every result stored), and the rate
 * is taken from the wall-clock times the processes note (first start, queue drained).
 */
export async function measureShare(consumer: BenchConsumer, channel: ShareChannel): Promise<ChildResult> {
  let lastHitAt = NaN;
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    void channel.send({ type: 'progress', count });
  };
  const go = channel.next('go');
  await channel.send({ type: 'ready' });
  await go;
  const stop = channel.next('stop');
  probe.watch((n) => {
    count = n;
    lastHitAt = wallClock();
    timer ??= setTimeout(flush, PROGRESS_INTERVAL_MS);
  });
  const startedAt = wallClock();
  const cpu = process.cpuUsage();
  await consumer.start();
  await stop;
  while ((await consumer.leftover()) > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  const drainedAt = wallClock();
  const used = process.cpuUsage(cpu);
  await consumer.halt();
  if (timer) clearTimeout(timer);
  const finish = channel.next('finish');
  await channel.send({ type: 'stopped' });
  await finish;
  return { kind: 'share', tasks: count, startedAt, lastHitAt, drainedAt, cpuMicros: used.user + used.system, leftover: await consumer.leftover() };
}
