import { waitFor } from '../support/wait';
import type { PublishRequest } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;

function msg(id: string, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...extra };
}

forEachBackend('rate', ({ open }) => {
  describe('acquireRateSlot', () => {
    it('spaces starts: the first starts now, the next waits with a ticket and gets the slot when it comes back with it', async () => {
      const { broker } = await open();
      // Wide: the third's ticket is void if the second comes back a whole interval late
      // (a start at or after a slot voids it), which a loaded machine did at 200 ms.
      const interval = 1000;
      expect(await broker.acquireRateSlot('T', interval)).toEqual({ wait: 0 });
      const second = await broker.acquireRateSlot('T', interval);
      expect(second.wait).toBeGreaterThan(0);
      expect(second.wait).toBeLessThanOrEqual(interval);
      expect(second.ticket).toEqual({ slot: expect.any(Number), issued: expect.any(Number) });
      const ticket = second.ticket!;
      expect(ticket.slot - ticket.issued).toBe(second.wait);

      // A newcomer gets the slot after: it cannot overtake the ticket holder.
      const third = await broker.acquireRateSlot('T', interval);
      expect(third.ticket!.slot).toBe(ticket.slot + interval);

      // Too early with the ticket: wait on, the same ticket.
      const early = await broker.acquireRateSlot('T', interval, ticket);
      expect(early.wait).toBeGreaterThan(0);
      expect(early.ticket).toEqual(ticket);

      await waitFor(async () => (await broker.acquireRateSlot('T', interval, ticket)).wait === 0, 'the ticket slot', 3000, 10);
      expect(Date.now()).toBeGreaterThanOrEqual(ticket.slot);

      // That start counted: the third caller, back at once with its ticket, still waits.
      const thirdAgain = await broker.acquireRateSlot('T', interval, third.ticket);
      expect(thirdAgain.wait).toBeGreaterThan(0);
      expect(thirdAgain.ticket).toEqual(third.ticket);
    });

    it('tasks have separate slots', async () => {
      const { broker } = await open();
      expect(await broker.acquireRateSlot('A', LONG)).toEqual({ wait: 0 });
      expect(await broker.acquireRateSlot('B', LONG)).toEqual({ wait: 0 });
      expect((await broker.acquireRateSlot('A', LONG)).wait).toBeGreaterThan(LONG - 5000);
    });
  });

  describe('setRateLimit / rateLimits', () => {
    it('round trip: set, replace, clear', async () => {
      const { broker } = await open();
      expect(await broker.rateLimits()).toEqual({});
      await broker.setRateLimit('A', '10/s');
      await broker.setRateLimit('B', '5/m');
      expect(await broker.rateLimits()).toEqual({ A: '10/s', B: '5/m' });
      await broker.setRateLimit('A', '2/h');
      expect(await broker.rateLimits()).toEqual({ A: '2/h', B: '5/m' });
      await broker.setRateLimit('B', null);
      expect(await broker.rateLimits()).toEqual({ A: '2/h' });
    });

    it('rejects a rate it cannot read, and keeps the one it had', async () => {
      const { broker } = await open();
      await broker.setRateLimit('A', '10/s');
      await expect(broker.setRateLimit('A', 'fast')).rejects.toThrow();
      expect(await broker.rateLimits()).toEqual({ A: '10/s' });
    });

    it('the override wins over the declared interval until cleared', async () => {
      const { broker } = await open();
      await broker.setRateLimit('T', '1/m');
      expect(await broker.acquireRateSlot('T', 10)).toEqual({ wait: 0 });
      expect((await broker.acquireRateSlot('T', 10)).wait).toBeGreaterThan(50_000);
      await broker.setRateLimit('T', null);
      // Back to the declared 10 ms after the last start.
      expect((await broker.acquireRateSlot('T', 10)).wait).toBeLessThanOrEqual(10);
    });

    it('tickets issued before a rate change are void', async () => {
      const { broker } = await open();
      expect(await broker.acquireRateSlot('T', 1000)).toEqual({ wait: 0 });
      const { ticket: old } = await broker.acquireRateSlot('T', 1000);
      expect(old).toBeDefined();

      // Faster: the old ticket (a slot 1 s after the start) no longer holds its caller back.
      await broker.setRateLimit('T', '1000/s');
      const faster = await broker.acquireRateSlot('T', 1000, old);
      expect(faster.wait).toBeLessThanOrEqual(1);

      // Slower: an old ticket is not honoured either; the caller gets a new slot at the new rate.
      expect(await broker.acquireRateSlot('S', 1000)).toEqual({ wait: 0 });
      const { ticket: older } = await broker.acquireRateSlot('S', 1000);
      expect(older).toBeDefined();
      await broker.setRateLimit('S', '1/m');
      const slower = await broker.acquireRateSlot('S', 1000, older);
      expect(slower.wait).toBeGreaterThan(50_000);
      expect(slower.ticket).not.toEqual(older);
      expect(slower.ticket!.slot - older!.slot).toBeGreaterThan(50_000);
    });
  });

  describe('messages waiting for a slot (settle rate-wait)', () => {
    async function parked(broker: Awaited<ReturnType<typeof open>>['broker'], id: string, task: string, issued: number) {
      await broker.publish([msg(id)]);
      const [message] = (await broker.reserve(Q, 1, LONG)).messages;
      expect(message.id).toBe(id);
      await broker.settle([{ kind: 'rate-wait', queue: Q, id, lease: message.lease, body: `${id}+ticket`, eta: Date.now() + LONG, task, issued }], []);
    }

    it('wait unleased until their eta, with the body carrying the ticket', async () => {
      const { broker } = await open();
      await parked(broker, 'a', 'T', Date.now());
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([]);
    });

    it("come back at once, at the front, when the task's rate changes; other waits stay", async () => {
      const { broker } = await open();
      await parked(broker, 'a', 'T', Date.now());
      await parked(broker, 'other-task', 'U', Date.now());
      await broker.publish([msg('countdown', { eta: Date.now() + LONG }), msg('queued')]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 3, active: 0 });

      await broker.setRateLimit('T', '10/s');
      expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 2, active: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([
        { id: 'a', queue: Q, body: 'a+ticket', delivery: 1, lease: expect.any(String) },
        { id: 'queued', queue: Q, body: 'body-queued', delivery: 1, lease: expect.any(String) },
      ]);
    });

    it('a rate change brings back every waiting message of the task, however many', async () => {
      const { broker } = await open();
      // More than a Redis script call releases at once (see test/foundation/redis-broker.spec.ts).
      const count = 2500;
      const ids = Array.from({ length: count }, (_, i) => `w${i}`);
      await broker.publish([...ids.map((id) => msg(id)), msg('other-task')]);
      const held = (await broker.reserve(Q, count + 1, LONG)).messages;
      expect(held).toHaveLength(count + 1);
      const eta = Date.now() + LONG;
      await broker.settle(
        held.map((m) => ({ kind: 'rate-wait', queue: Q, id: m.id, lease: m.lease, body: `${m.id}+ticket`, eta: eta + 1, task: m.id === 'other-task' ? 'U' : 'T', issued: Date.now() }) as const),
        [],
      );
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: count + 1, active: 0 });

      await broker.setRateLimit('T', '10/s');
      expect(await broker.queueSizes(Q)).toEqual({ ready: count, delayed: 1, active: 0 });
      const back = (await broker.reserve(Q, count + 1, LONG)).messages.map((m) => m.id);
      expect(back.sort()).toEqual([...ids].sort());
    });

    it('a message whose ticket predates the last rate change goes back at once to take a new slot', async () => {
      const { broker } = await open();
      // Its worker asked for a slot, then the rate changed while the message was on its way back.
      await broker.acquireRateSlot('T', 1000);
      const { ticket: old } = await broker.acquireRateSlot('T', 1000);
      await broker.publish([msg('stale')]);
      const [stale] = (await broker.reserve(Q, 1, LONG)).messages;
      await broker.setRateLimit('T', '5/s');
      const changedBy = Date.now();
      await broker.settle([{ kind: 'rate-wait', queue: Q, id: 'stale', lease: stale.lease, body: 'stale+ticket', eta: Date.now() + LONG, task: 'T', issued: old!.issued }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'stale', queue: Q, body: 'stale+ticket', delivery: 1, lease: expect.any(String) }]);

      // One with a ticket issued at the current rate waits. (Tickets of the change's own millisecond count as older.)
      await waitFor(() => Date.now() > changedBy + 1, 'a millisecond after the change', 1000, 1);
      await broker.acquireRateSlot('T', 1000);
      const { ticket } = await broker.acquireRateSlot('T', 1000);
      await parked(broker, 'current', 'T', ticket!.issued);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 1 });
    });

    it('a stale delivery is not parked', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const [lost] = (await broker.reserve(Q, 1, 30)).messages;
      await waitFor(async () => (await broker.reserve(Q, 1, LONG)).messages.length > 0, 'the lease to run out', 3000, 10);
      await broker.settle([{ kind: 'rate-wait', queue: Q, id: 'a', lease: lost.lease, body: 'stale', eta: Date.now() + LONG, task: 'T', issued: Date.now() }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
    });
  });
});
