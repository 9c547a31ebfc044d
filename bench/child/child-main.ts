import { BullmqAdapter } from '../adapters/bullmq.adapter';
import type { LibraryAdapter } from '../adapters/library-adapter';
import { NestjsTasksAdapter } from '../adapters/nestjs-tasks.adapter';
import { BENCH_KEYS } from '../adapters/bench.tasks';
import { measureEnqueue, measureFill, produceFlood, measureLatency, measureProcessing, measureSequentialEnqueue, produceAtRate } from './measurements';
import { probe } from './probe';
import { JOB_ENV, type ChildJob, type ChildMessage, type ChildResult, type RunnerMessage } from './protocol';
import { measureShare } from './share';
import { warmUp, warmUpFanOut } from './warm-up';

/**
 * Entry of a bench child process: runs one side (one library) of one measurement,
 * sends the result to the runner over IPC, closes its connections and exits.
 */
async function main(): Promise<void> {
  const raw = process.env[JOB_ENV];
  if (!raw || !process.send) throw new Error(`The bench child is started by dist/bench/run.js (no ${JOB_ENV} or IPC)`);
  const job = JSON.parse(raw) as ChildJob;
  const result = await run(job, adapterFor(job, job.prefix));
  await send({ type: 'result', result });
}

function adapterFor(job: ChildJob, prefix: string): LibraryAdapter {
  return job.lib === 'bullmq' ? new BullmqAdapter(job.redisUrl, prefix, job.queue) : new NestjsTasksAdapter(job.redisUrl, prefix, job.queue, job.shards, job.variant);
}

async function run(job: ChildJob, adapter: LibraryAdapter): Promise<ChildResult> {
  switch (job.kind) {
    case 'enqueue':
    case 'enqueue-sequential':
    case 'fill':
    case 'latency-producer':
    case 'flood-producer': {
      if (job.kind === 'fill' && job.warmTasks) {
        await warmUpFanOut(adapterFor(job, `${job.prefix}:warm`), job.warmTasks, job.chunk, job.priorities);
        const go = nextRunnerMessage('go');
        await send({ type: 'ready' });
        await go;
      }
      const producer = await adapter.producer();
      try {
        if (job.kind === 'enqueue') return await measureEnqueue(producer, job.tasks, job.inFlight, job.warmTasks);
        if (job.kind === 'enqueue-sequential') return await measureSequentialEnqueue(producer, job.tasks);
        if (job.kind === 'fill') return await measureFill(producer, job.tasks, job.chunk, job.priorities);
        if (job.kind === 'flood-producer') return await produceFlood(producer, job.tasks, BENCH_KEYS);
        return await produceAtRate(producer, job.tasks, job.rate, job.countdown);
      } finally {
        await producer.close();
      }
    }
    case 'process':
    case 'process-share':
    case 'latency-worker': {
      if (job.warmTasks) {
        // Several share children warm up at once: each under a prefix of its own.
        const prefix = job.kind === 'process-share' ? `${job.prefix}:warm:${process.pid}` : `${job.prefix}:warm`;
        await warmUp(adapterFor(job, prefix), job.warmTasks, job.concurrency);
      }
      if (job.kind === 'process-share') probe.taskCpuUs = job.taskCpuUs ?? 0;
      const consumer = await adapter.consumer(job.concurrency);
      if (job.kind === 'process' && job.warmTasks) {
        const go = nextRunnerMessage('go');
        await send({ type: 'ready' });
        await go;
      }
      try {
        if (job.kind === 'process') return await measureProcessing(consumer, job.tasks);
        if (job.kind === 'process-share') return await measureShare(consumer, { send, next: nextRunnerMessage });
        return await measureLatency(consumer, job.tasks, job.skip, () => void send({ type: 'ready' }));
      } finally {
        await consumer.close();
      }
    }
  }
}

/** Resolves with the runner's next message of `type` (`process-share` children). */
function nextRunnerMessage(type: RunnerMessage['type']): Promise<void> {
  return new Promise((resolve) => {
    const listener = (message: RunnerMessage) => {
      if (message.type !== type) return;
      process.off('message', listener);
      resolve();
    };
    process.on('message', listener);
  });
}

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));
}

main().then(
  () => process.disconnect?.(),
  async (error: Error) => {
    await send({ type: 'error', message: error.stack ?? error.message }).catch(() => undefined);
    process.exitCode = 1;
    process.disconnect?.();
  },
);
