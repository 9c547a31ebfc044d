import type { BulkItem, LibraryAdapter } from '../adapters/library-adapter';
import { fanOutItems } from './measurements';
import { probe } from './probe';

const CHUNK = 1000;

/**
 * Runs `tasks` noop tasks through a producer and a worker of `adapter` (a prefix of their
 * own), untimed, and closes them: the timed worker built next finds its code compiled, as
 * in a worker that has been up for a while.
 */
export async function warmUp(adapter: LibraryAdapter, tasks: number, concurrency: number): Promise<void> {
  const producer = await adapter.producer();
  const consumer = await adapter.consumer(concurrency);
  try {
    for (let start = 0; start < tasks; start += CHUNK) {
      const items: BulkItem[] = [];
      for (let i = start; i < Math.min(tasks, start + CHUNK); i++) items.push({ i });
      await producer.addMany(items);
    }
    const done = probe.expect(tasks);
    await consumer.start();
    await done;
    const left = await consumer.stop();
    if (left !== 0) throw new Error(`the warm-up left ${left} message(s) in its queue`);
  } finally {
    await consumer.close();
    await producer.close();
  }
}

/**
 * Fans out `tasks` noop tasks through a producer of `adapter` (a prefix of its own) in calls
 * of `chunk`, untimed, and closes it: the timed fan-out finds its code compiled, as in an
 * app that has been up a while. The tasks stay queued; the runner deletes them.
 */
export async function warmUpFanOut(adapter: LibraryAdapter, tasks: number, chunk: number, priorities: boolean): Promise<void> {
  const producer = await adapter.producer();
  try {
    for (const items of fanOutItems(tasks, chunk, priorities)) await producer.addMany(items);
  } finally {
    await producer.close();
  }
}
