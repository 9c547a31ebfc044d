import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TaskClient, TaskModule, TaskWorker } from 'nestjs-tasks';
import { TASK_BROKER, type Broker } from '../../lib/internal';
import type { LibraryVariant } from '../child/protocol';
import { installRecordingSdk } from '../telemetry/recording-sdk';
import type { BenchConsumer, BenchProducer, BulkItem, LibraryAdapter } from './library-adapter';
import { BENCH_QUEUE, BenchTasks } from './bench.tasks';

/**
 * nestjs-tasks as a user runs it: a Nest application context with TaskModule. A variant
 * turns on `events`, or `telemetry` with a recording tracer provider (one per process), or
 * sends tasks with concurrency keys (`keys`).
 */
export class NestjsTasksAdapter implements LibraryAdapter {
  private exportedSpans?: () => Promise<number>;

  constructor(
    private readonly redisUrl: string,
    private readonly prefix: string,
    private readonly queue: string,
    private readonly shards = 1,
    private readonly variant?: LibraryVariant,
  ) {
    if (queue !== BENCH_QUEUE) throw new Error(`The nestjs-tasks bench tasks are routed to '${BENCH_QUEUE}', not '${queue}'`);
  }

  async producer(): Promise<BenchProducer> {
    const app = await this.createApp();
    const client = app.get(TaskClient);
    return {
      add: (i) => client.delay(BenchTasks, 'noop', i),
      addTimed: (index, sentAt) => client.delay(BenchTasks, 'timed', index, sentAt),
      addDelayed: (index, dueAt, countdown) => client.applyAsync(BenchTasks, 'timed', [index, dueAt], { countdown }),
      addMany: (items) => addManyByPriority(client, items, this.variant === 'keys' ? 'keyed' : 'noop'),
      close: () => app.close(),
    };
  }

  async consumer(concurrency: number): Promise<BenchConsumer> {
    const app = await this.createApp();
    // Spans of an earlier worker of this process (the warm-up) are not this one's.
    const exported = this.exportedSpans;
    const before = exported ? await exported() : 0;
    const worker = app.get(TaskWorker);
    const broker = app.get<Broker>(TASK_BROKER);
    const leftover = async () => {
      let left = 0;
      for (const shard of await broker.knownQueues()) {
        const sizes = await broker.queueSizes(shard);
        left += sizes.ready + sizes.delayed + sizes.active;
      }
      return left;
    };
    return {
      start: () => worker.start({ queues: [this.queue], concurrency }),
      halt: () => worker.stop(),
      leftover,
      stop: async () => {
        await worker.stop();
        return leftover();
      },
      close: () => app.close(),
      ...(exported ? { exportedSpans: async () => (await exported()) - before } : {}),
    };
  }

  private async createApp(): Promise<INestApplicationContext> {
    const queues = this.shards > 1 ? { [this.queue]: { shards: this.shards } } : undefined;
    if (this.variant === 'telemetry') this.exportedSpans ??= await installRecordingSdk();
    // Otherwise the defaults: events off, telemetry on without a provider (nothing recorded).
    const variant = this.variant === 'events' ? { events: true } : this.variant === 'telemetry' ? { telemetry: true } : {};
    @Module({ imports: [TaskModule.forRoot({ broker: this.redisUrl, prefix: this.prefix, queues, ...variant })], providers: [BenchTasks] })
    class BenchModule {}
    return NestFactory.createApplicationContext(BenchModule, { logger: ['error', 'warn'] });
  }
}

/** delayMany takes one set of options per call: one call per priority, all sent in the same tick (one round trip). */
function addManyByPriority(client: TaskClient, items: readonly BulkItem[], method: 'noop' | 'keyed'): Promise<unknown> {
  const byPriority = new Map<number, Array<[number]>>();
  for (const { i, priority = 0 } of items) {
    let list = byPriority.get(priority);
    if (!list) byPriority.set(priority, (list = []));
    list.push([i]);
  }
  return Promise.all(
    [...byPriority].map(([priority, argsList]) =>
      client.delayMany(BenchTasks, method, argsList, priority > 0 ? { priority } : {}),
    ),
  );
}
