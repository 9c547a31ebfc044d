import { Logger } from '@nestjs/common';
import type { MessageQueue, ReservedMessage, ReserveResult } from '../../lib/broker/ports/message-queue';
import { Fetcher } from '../../lib/worker/run/fetcher';
import type { JobSlots } from '../../lib/worker/run/job-slots';
import { resolveWorkerOptions } from '../../lib/worker/worker-options';

/** A queue that answers the fetcher from a script of replies and logs what it was asked. */
function scriptedQueue(replies: Array<Partial<ReserveResult> & { count: number }>, calls: string[], stop: () => void): MessageQueue {
  let reserved = 0;
  const message = (i: number) => ({ id: `m${i}`, queue: 'q', body: '{}', delivery: 1, lease: 'l' }) as ReservedMessage;
  return {
    reserve: async (queue: string, max: number) => {
      calls.push(`reserve ${queue} ${max}`);
      const reply = replies.shift();
      if (!reply) {
        stop();
        return { messages: [], dead: [], wakeAt: null, drained: true };
      }
      const messages = Array.from({ length: reply.count }, () => message(reserved++));
      return { messages, dead: [], wakeAt: null, ...(reply.drained === undefined ? {} : { drained: reply.drained }) };
    },
    waitForWork: async (queues: string[]) => {
      calls.push(`wait ${queues.join(',')}`);
    },
  } as unknown as MessageQueue;
}

async function fetchFrom(replies: Array<Partial<ReserveResult> & { count: number }>): Promise<string[]> {
  const calls: string[] = [];
  let running = true;
  const queue = scriptedQueue(replies, calls, () => (running = false));
  const slots = { free: () => 5, untilFreed: () => Promise.resolve() } as unknown as JobSlots;
  const fetcher = new Fetcher(queue, resolveWorkerOptions({ queues: ['q'], concurrency: 5 }), 60_000, slots, () => undefined, () => running, new Logger('test'));
  await fetcher.run();
  return calls;
}

describe('Fetcher: asking again or waiting', () => {
  it('after a fetch that left its queue drained, waits for work instead of asking again at once', async () => {
    expect(await fetchFrom([{ count: 2, drained: true }, { count: 5, drained: false }])).toEqual(['reserve q 5', 'wait q', 'reserve q 5', 'reserve q 5']);
  });

  it('asks again at once after a fetch that filled every slot, or one from a queue that does not say it is drained (it polls)', async () => {
    expect(await fetchFrom([{ count: 5, drained: false }, { count: 2 }, { count: 0 }])).toEqual(['reserve q 5', 'reserve q 5', 'reserve q 5', 'wait q', 'reserve q 5']);
  });
});
