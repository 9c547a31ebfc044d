import { waitFor } from '../support/wait';
import type { Broker, PublishRequest, ReserveResult } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;

function msg(id: string, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...extra };
}

const ids = (result: ReserveResult) => result.messages.map((m) => m.id);

/** Reserves until something comes (a lease or an eta must pass first), bounded. */
function reserveSome(broker: Broker, what: string, leaseMs = LONG, queue = Q): Promise<ReserveResult> {
  return waitFor(
    async () => {
      const got = await broker.reserve(queue, 10, leaseMs);
      return got.messages.length > 0 ? got : null;
    },
    what,
    5000,
    10,
  );
}

/** How long a promise takes to settle, ms. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = Date.now();
  await promise;
  return Date.now() - start;
}

forEachBackend('queue', ({ open }) => {
  describe('order', () => {
    it('is FIFO within a priority, across separate publishes and within one', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.publish([msg('b'), msg('c')]);
      await broker.publish([msg('x', { priority: 4 }), msg('y', { priority: 4 })]);
      await broker.publish([msg('z', { priority: 4 })]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['x', 'y', 'z', 'a', 'b', 'c']);
    });

    it('serves priorities 9 down to 0, the higher first', async () => {
      const { broker } = await open();
      const priorities = [0, 3, 9, 1, 5, 0, 7, 2, 8, 4, 6];
      await broker.publish(priorities.map((priority, i) => msg(`m${i}-p${priority}`, { priority })));
      const order = ids(await broker.reserve(Q, 20, LONG));
      expect(order).toEqual(['m2-p9', 'm8-p8', 'm6-p7', 'm10-p6', 'm4-p5', 'm9-p4', 'm1-p3', 'm7-p2', 'm3-p1', 'm0-p0', 'm5-p0']);
    });

    it('returns the stored body with each message, delivery 1 the first time', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b', { priority: 2 })]);
      const got = await broker.reserve(Q, 10, LONG);
      expect(got.messages).toEqual([
        { id: 'b', queue: Q, body: 'body-b', delivery: 1 },
        { id: 'a', queue: Q, body: 'body-a', delivery: 1 },
      ]);
    });

    it('a repeated id is not enqueued twice, and keeps its first body', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), { id: 'a', queue: Q, body: 'second' }]);
      await broker.publish([{ id: 'a', queue: Q, body: 'third' }]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 1 }]);
    });

    it('queues are separate', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), { id: 'b', queue: 'other', body: 'body-b' }]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['a']);
      expect(ids(await broker.reserve('other', 10, LONG))).toEqual(['b']);
    });
  });

  describe('reserve', () => {
    it('honours max', async () => {
      const { broker } = await open();
      await broker.publish(['a', 'b', 'c', 'd', 'e'].map((id) => msg(id)));
      expect(ids(await broker.reserve(Q, 2, LONG))).toEqual(['a', 'b']);
      expect(ids(await broker.reserve(Q, 1, LONG))).toEqual(['c']);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 3 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['d', 'e']);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual([]);
    });

    it('an empty queue gives nothing and no wakeAt', async () => {
      const { broker } = await open();
      expect(await broker.reserve(Q, 10, LONG)).toEqual({ messages: [], wakeAt: null });
    });
  });

  describe('delayed messages (eta)', () => {
    it('are not reserved before they are due, and are reserved after', async () => {
      const { broker } = await open();
      const eta = Date.now() + 250;
      await broker.publish([msg('later', { eta }), msg('now')]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 1, active: 0 });
      const first = await broker.reserve(Q, 10, LONG);
      expect(ids(first)).toEqual(['now']);
      // wakeAt: the earlier of the eta and the lease just taken.
      expect(first.wakeAt).toBe(eta);
      const due = await reserveSome(broker, 'the delayed message to come due');
      expect(Date.now()).toBeGreaterThanOrEqual(eta);
      expect(due.messages).toEqual([{ id: 'later', queue: Q, body: 'body-later', delivery: 1 }]);
    });

    it('an eta in the past means now', async () => {
      const { broker } = await open();
      await broker.publish([msg('a', { eta: Date.now() - 1000 })]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['a']);
    });

    it('come due in eta order, each in its priority', async () => {
      const { broker } = await open();
      const now = Date.now();
      await broker.publish([msg('third', { eta: now + 150 }), msg('first', { eta: now + 50 }), msg('second', { eta: now + 100 }), msg('urgent', { eta: now + 150, priority: 9 })]);
      await waitFor(() => Date.now() > now + 150, 'every eta to pass', 2000, 10);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['urgent', 'first', 'second', 'third']);
    });
  });

  describe('leases', () => {
    it('a reserved message is not reserved again until its lease runs out; then it comes back with delivery 2', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const leasedFrom = Date.now();
      const first = await broker.reserve(Q, 10, 200);
      const leasedTo = Date.now();
      expect(first.messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 1 }]);
      expect(first.wakeAt).toBeGreaterThanOrEqual(leasedFrom + 200);
      expect(first.wakeAt).toBeLessThanOrEqual(leasedTo + 200);
      expect(ids(await broker.reserve(Q, 10, 200))).toEqual([]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });

      const again = await reserveSome(broker, 'the lease to run out');
      expect(Date.now()).toBeGreaterThanOrEqual(leasedFrom + 200);
      expect(again.messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 2 }]);
    });

    it('a lost delivery is stale: acking it does nothing, acking the current one removes the message', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, 50);
      await reserveSome(broker, 'the lease to run out');
      await broker.settle([{ kind: 'ack', queue: Q, id: 'a', delivery: 1 }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      await broker.settle([{ kind: 'ack', queue: Q, id: 'a', delivery: 2 }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });

    it('a lease that ran out puts the message first in line', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const { wakeAt } = await broker.reserve(Q, 10, 50);
      await broker.publish([msg('b'), msg('c')]);
      await waitFor(() => Date.now() > wakeAt!, 'the lease to run out', 2000, 5);
      expect((await broker.reserve(Q, 1, LONG)).messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 2 }]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['b', 'c']);
    });

    it('extendLeases keeps a message away while another whose lease was not extended comes back', async () => {
      const { broker } = await open();
      await broker.publish([msg('kept'), msg('dropped')]);
      expect(ids(await broker.reserve(Q, 10, 150))).toEqual(['kept', 'dropped']);
      await broker.extendLeases(Q, ['kept'], LONG);
      const back = await reserveSome(broker, 'the unextended lease to run out');
      expect(back.messages).toEqual([{ id: 'dropped', queue: Q, body: 'body-dropped', delivery: 2 }]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual([]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 2 });
    });

    it('extendLeases does not lease a message that is not leased', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.extendLeases(Q, ['a', 'unknown'], LONG);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['a']);
    });
  });

  describe('settle', () => {
    it('ack removes the message: it does not come back once its lease would have run out', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('unacked')]);
      await broker.reserve(Q, 10, 100);
      await broker.settle([{ kind: 'ack', queue: Q, id: 'a', delivery: 1 }, { kind: 'ack', queue: Q, id: 'b', delivery: 1 }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      const back = await reserveSome(broker, 'the unacked lease to run out');
      expect(ids(back)).toEqual(['unacked']);
    });

    it('requeue with an eta: delayed until then, with its new body, delivery counted afresh', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, 50);
      // Its first lease ran out: this is delivery 2.
      expect((await reserveSome(broker, 'the lease to run out')).messages[0].delivery).toBe(2);
      const eta = Date.now() + 200;
      await broker.settle([{ kind: 'requeue', queue: Q, id: 'a', delivery: 2, body: 'retry-1', eta }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual([]);
      const due = await reserveSome(broker, 'the retry to come due');
      expect(Date.now()).toBeGreaterThanOrEqual(eta);
      expect(due.messages).toEqual([{ id: 'a', queue: Q, body: 'retry-1', delivery: 1 }]);
    });

    it("requeue without an eta goes to the back of the queue; '' keeps the body", async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      await broker.reserve(Q, 1, LONG);
      await broker.settle([{ kind: 'requeue', queue: Q, id: 'a', delivery: 1, body: '', eta: 0 }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 0 });
      const got = await broker.reserve(Q, 10, LONG);
      expect(got.messages).toEqual([
        { id: 'b', queue: Q, body: 'body-b', delivery: 1 },
        { id: 'a', queue: Q, body: 'body-a', delivery: 1 },
      ]);
    });

    it('release puts it back untouched at the front, in its priority', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('x', { priority: 5 }), msg('y', { priority: 5 })]);
      expect(ids(await broker.reserve(Q, 1, LONG))).toEqual(['x']);
      await broker.publish([msg('z', { priority: 5 })]);
      await broker.settle([{ kind: 'release', queue: Q, id: 'x', delivery: 1 }], []);
      const after = await broker.reserve(Q, 3, LONG);
      expect(after.messages[0]).toEqual({ id: 'x', queue: Q, body: 'body-x', delivery: 1 });
      expect(ids(after)).toEqual(['x', 'y', 'z']);
      await broker.settle([{ kind: 'release', queue: Q, id: 'y', delivery: 1 }], []);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['y', 'a', 'b']);
    });

    it("release of a lost run (its process died) counts a delivery", async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      await broker.reserve(Q, 1, LONG);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 1, lost: true }], []);
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([
        { id: 'a', queue: Q, body: 'body-a', delivery: 2 },
        { id: 'b', queue: Q, body: 'body-b', delivery: 1 },
      ]);
    });

    it('dead: moves the message to the dead-letter list, newest first, with the stored or the given raw message', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      await broker.reserve(Q, 10, LONG);
      const before = Date.now();
      await broker.settle([{ kind: 'dead', queue: Q, id: 'a', delivery: 1, raw: null, reason: 'cannot decode' }], []);
      await broker.settle([{ kind: 'dead', queue: Q, id: 'b', delivery: 1, raw: 'as received', reason: 'bad header' }], []);
      const after = Date.now();
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      const dead = await broker.deadLetters(Q);
      expect(dead).toEqual([
        { id: 'b', queue: Q, raw: 'as received', reason: 'bad header', at: expect.any(Number) },
        { id: 'a', queue: Q, raw: 'body-a', reason: 'cannot decode', at: expect.any(Number) },
      ]);
      for (const entry of dead) {
        expect(entry.at).toBeGreaterThanOrEqual(before);
        expect(entry.at).toBeLessThanOrEqual(after);
      }
      expect(await broker.deadLetters(Q, 1)).toEqual([dead[0]]);
      expect(await broker.deadLetters('other')).toEqual([]);
      // The message is gone for good.
      await broker.publish([msg('c')]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['c']);
    });

    it('a stale delivery settles nothing (requeue, release, dead)', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, 50);
      expect((await reserveSome(broker, 'the lease to run out')).messages[0].delivery).toBe(2);
      await broker.settle(
        [
          { kind: 'requeue', queue: Q, id: 'a', delivery: 1, body: 'stale', eta: 0 },
          { kind: 'release', queue: Q, id: 'a', delivery: 1 },
          { kind: 'dead', queue: Q, id: 'a', delivery: 1, raw: null, reason: 'stale' },
        ],
        [],
      );
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      expect(await broker.deadLetters(Q)).toEqual([]);
    });

    it('a settle repeated for a message no longer leased does nothing: it is not queued or dead-lettered twice', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('c')]);
      await broker.reserve(Q, 1, LONG);
      const release = { kind: 'release', queue: Q, id: 'a', delivery: 1 } as const;
      await broker.settle([release], []);
      await broker.settle([release], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 3, delayed: 0, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['a', 'b', 'c']);

      const requeue = { kind: 'requeue', queue: Q, id: 'b', delivery: 1, body: '', eta: 0 } as const;
      await broker.settle([requeue], []);
      await broker.settle([requeue], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 2 });

      const dead = { kind: 'dead', queue: Q, id: 'c', delivery: 1, raw: null, reason: 'poison' } as const;
      await broker.settle([dead], []);
      await broker.settle([dead], []);
      expect((await broker.deadLetters(Q)).map((entry) => entry.id)).toEqual(['c']);
    });

    it('after an ack, a late requeue, release or dead-letter of that delivery does nothing', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, LONG);
      await broker.settle([{ kind: 'ack', queue: Q, id: 'a', delivery: 1 }], []);
      await broker.settle([{ kind: 'requeue', queue: Q, id: 'a', delivery: 1, body: 'again', eta: 0 }], []);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 1 }], []);
      await broker.settle([{ kind: 'dead', queue: Q, id: 'a', delivery: 1, raw: null, reason: 'late' }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      expect(await broker.reserve(Q, 10, LONG)).toEqual({ messages: [], wakeAt: null });
      expect(await broker.deadLetters(Q)).toEqual([]);
    });

    it('writes the results of a settle before its message operations', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, LONG);
      await broker.settle([{ kind: 'ack', queue: Q, id: 'a', delivery: 1 }], [{ record: { id: 'a', state: 'SUCCESS', result: 42 }, ttl: LONG }]);
      expect(await broker.getResult('a')).toEqual({ id: 'a', state: 'SUCCESS', result: 42 });
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });
  });

  describe('maxDeliveries', () => {
    it('a message whose lease ran out maxDeliveries times is dead-lettered, not delivered again', async () => {
      const { broker } = await open({ maxDeliveries: 2 });
      await broker.publish([msg('poison')]);
      expect((await broker.reserve(Q, 10, 30)).messages[0].delivery).toBe(1);
      expect((await reserveSome(broker, 'delivery 2', 30)).messages[0].delivery).toBe(2);
      const deliveredAgain: string[] = [];
      const [dead] = await waitFor(
        async () => {
          deliveredAgain.push(...ids(await broker.reserve(Q, 10, 30)));
          const letters = await broker.deadLetters(Q);
          return letters.length > 0 ? letters : null;
        },
        'the dead letter',
        5000,
        10,
      );
      expect(deliveredAgain).toEqual([]);
      expect(dead).toEqual({ id: 'poison', queue: Q, raw: 'body-poison', reason: 'delivered 2 times without finishing (maxDeliveries 2)', at: expect.any(Number) });
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });

    it('a message whose process died maxDeliveries times is dead-lettered', async () => {
      const { broker } = await open({ maxDeliveries: 2 });
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, LONG);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 1, lost: true }], []);
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 2 }]);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 2, lost: true }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      expect(await broker.deadLetters(Q)).toEqual([
        { id: 'a', queue: Q, raw: 'body-a', reason: 'its process died 2 times (maxDeliveries 2)', at: expect.any(Number) },
      ]);
    });

    it('a retry starts the count again', async () => {
      const { broker } = await open({ maxDeliveries: 2 });
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, LONG);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 1, lost: true }], []);
      await broker.reserve(Q, 10, LONG);
      await broker.settle([{ kind: 'requeue', queue: Q, id: 'a', delivery: 2, body: '', eta: 0 }], []);
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'a', queue: Q, body: 'body-a', delivery: 1 }]);
      await broker.settle([{ kind: 'release', queue: Q, id: 'a', delivery: 1, lost: true }], []);
      expect((await broker.reserve(Q, 10, LONG)).messages[0].delivery).toBe(2);
      expect(await broker.deadLetters(Q)).toEqual([]);
    });
  });

  describe('queueSizes', () => {
    it('counts ready (with priorities), delayed and active', async () => {
      const { broker } = await open();
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      await broker.publish([msg('a'), msg('b', { priority: 3 }), msg('c'), msg('d', { eta: Date.now() + LONG }), msg('e', { eta: Date.now() + LONG, priority: 1 })]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 3, delayed: 2, active: 0 });
      await broker.reserve(Q, 2, LONG);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 2, active: 2 });
    });
  });

  describe('waitForWork', () => {
    it('waits until the timeout when there is no work', async () => {
      const { broker } = await open();
      expect(await timed(broker.waitForWork([Q], 300))).toBeGreaterThanOrEqual(290);
    });

    it('resolves when work is published', async () => {
      const { broker } = await open();
      const waiting = broker.waitForWork([Q], 4000);
      await broker.publish([msg('a')]);
      expect(await timed(waiting)).toBeLessThan(2000);
    });

    it('resolves when work is published to any of its queues, not to another queue', async () => {
      const { broker } = await open();
      const elsewhere = broker.waitForWork([Q], 400);
      await broker.publish([{ id: 'x', queue: 'unrelated', body: 'x' }]);
      expect(await timed(elsewhere)).toBeGreaterThanOrEqual(390);
      const waiting = broker.waitForWork(['first', Q], 4000);
      await broker.publish([msg('a')]);
      expect(await timed(waiting)).toBeLessThan(2000);
    });

    it('resolves at once when work is already there', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      expect(await timed(broker.waitForWork([Q], 4000))).toBeLessThan(2000);
    });

    it('resolves when a delayed message comes in that is due before any other, so the waiter learns the new wakeAt', async () => {
      const { broker } = await open();
      const waiting = broker.waitForWork([Q], 4000);
      await broker.publish([msg('a', { eta: Date.now() + LONG })]);
      expect(await timed(waiting)).toBeLessThan(2000);
    });

    it('resolves on interrupt()', async () => {
      const { broker } = await open();
      const waiting = broker.waitForWork([Q], 4000);
      await broker.interrupt();
      expect(await timed(waiting)).toBeLessThan(2000);
      // Only the waits pending then: a new one waits again.
      expect(await timed(broker.waitForWork([Q], 200))).toBeGreaterThanOrEqual(190);
    });
  });
});
