import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Cluster } from 'ioredis';
import { probe } from '../child/probe';
import type { BenchConsumer, BenchProducer, LibraryAdapter } from './library-adapter';

/** BullMQ with its defaults (completed jobs and their return values are kept, as results are). */
export class BullmqAdapter implements LibraryAdapter {
  private readonly connection: ConnectionOptions;

  constructor(
    redisUrl: string,
    private readonly prefix: string,
    private readonly queue: string,
  ) {
    this.connection = connectionFromUrl(redisUrl);
  }

  async producer(): Promise<BenchProducer> {
    const queue = new Queue(this.queue, { connection: this.connection, prefix: this.prefix });
    await queue.waitUntilReady();
    return {
      add: (i) => queue.add('noop', { i }),
      addTimed: (index, sentAt) => queue.add('timed', { index, sentAt }),
      addDelayed: (index, dueAt, delay) => queue.add('timed', { index, sentAt: dueAt }, { delay }),
      addMany: (items) =>
        queue.addBulk(items.map(({ i, priority }) => ({ name: 'noop', data: { i }, opts: priority ? { priority } : undefined }))),
      close: async () => {
        await queue.close();
        this.closeShared();
      },
    };
  }

  /** A Cluster given as the connection is shared by BullMQ's clients, and ours to close. */
  private closeShared(): void {
    if (this.connection instanceof Cluster) this.connection.disconnect();
  }

  async consumer(concurrency: number): Promise<BenchConsumer> {
    const worker = new Worker(this.queue, runBenchJob, { connection: this.connection, prefix: this.prefix, concurrency, autorun: false });
    worker.on('error', (error) => console.error(`BullMQ worker error: ${error.message}`));
    await worker.waitUntilReady();
    const queue = new Queue(this.queue, { connection: this.connection, prefix: this.prefix });
    let running: Promise<void> | undefined;
    const halt = async () => {
      await worker.close();
      await running;
    };
    const leftover = async () => {
      const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized', 'waiting-children');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    };
    return {
      start: async () => {
        running = worker.run();
      },
      halt,
      leftover,
      stop: async () => {
        await halt();
        return leftover();
      },
      close: async () => {
        await worker.close();
        await queue.close();
        this.closeShared();
      },
    };
  }
}

async function runBenchJob(job: Job<{ i?: number; index?: number; sentAt?: number }>): Promise<void> {
  if (job.name === 'timed') probe.started(job.data.index ?? -1, job.data.sentAt ?? NaN);
  else probe.hit();
}

/**
 * ioredis options from a redis:// or rediss:// URL (BullMQ takes options or an instance);
 * a Cluster for `redis+cluster://h:p,h:p` (the prefix must then be a hash tag).
 */
export function connectionFromUrl(url: string): ConnectionOptions {
  if (url.startsWith('redis+cluster://')) {
    const nodes = url.slice('redis+cluster://'.length).split(',').map((entry) => {
      const [host, port] = entry.split(':');
      return { host, port: Number(port) };
    });
    return new Cluster(nodes, { redisOptions: { maxRetriesPerRequest: null } });
  }
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}
