import { waitFor } from '../support/wait';
import type { Broker, PublishRequest, ReservedMessage, ReserveResult } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;

function msg(id: string, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...extra };
}

const ids = (result: ReserveResult) => result.messages.map((m) => m.id);

/** A reserved message as the contract promises it; its lease token is the backend's own string. */
function reserved(id: string, body: string, delivery: number) {
  return { id, queue: Q, body, delivery, lease: expect.any(String) };
}

/** The message `id` of a reserve's reply. */
function held(result: ReserveResult, id: string): ReservedMessage {
  const message = result.messages.find((m) => m.id === id);
  if (!message) throw new Error(`${id} was not reserved (got ${JSON.stringify(ids(result))})`);
  return message;
}

/** A reserved message as its holder names it to settle it or extend its lease. */
const lease = ({ id, lease }: ReservedMessage) => ({ queue: Q, id, lease });

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

    it('keeps the order of publish calls when a large one leaves in several script calls', async () => {
      const { broker } = await open();
      const many = Array.from({ length: 1200 }, (_, i) => msg(`m${i}`));
      const first = broker.publish(many);
      // The large publish has started leaving when this one is made.
      await new Promise((resolve) => setImmediate(resolve));
      const second = broker.publish([msg('last')]);
      await Promise.all([first, second]);
      expect(ids(await broker.reserve(Q, 2000, LONG))).toEqual([...many.map((m) => m.id), 'last']);
    });

    it('keeps the order of many calls of one tick (they may leave in two halves) and of a call made while they leave', async () => {
      const { broker } = await open();
      const many = Array.from({ length: 100 }, (_, i) => msg(`m${i}`));
      const calls = many.map((m) => broker.publish([m]));
      // Made after the tick's calls have started to leave, before a second half could have.
      const later = new Promise<void>((resolve, reject) => process.nextTick(() => process.nextTick(() => broker.publish([msg('last')]).then(resolve, reject))));
      await Promise.all([...calls, later]);
      expect(ids(await broker.reserve(Q, 200, LONG))).toEqual([...many.map((m) => m.id), 'last']);
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
      expect(got.messages).toEqual([reserved('b', 'body-b', 1), reserved('a', 'body-a', 1)]);
    });

    it('each delivery of a message is leased under a token of its own', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      const first = await broker.reserve(Q, 10, 30);
      const again = await reserveSome(broker, 'the leases to run out');
      for (const id of ['a', 'b']) {
        expect(held(first, id).lease).toEqual(expect.any(String));
        expect(held(again, id).lease).not.toBe(held(first, id).lease);
      }
    });

    it('a repeated id is not enqueued twice, and keeps its first body', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), { id: 'a', queue: Q, body: 'second' }]);
      await broker.publish([{ id: 'a', queue: Q, body: 'third' }]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([reserved('a', 'body-a', 1)]);
    });

    it("ids of one bucket published together (a producer's run of ids): each new one once, in order, with its options", async () => {
      const { broker } = await open();
      // Same last two characters: one message bucket on Redis, so one lookup and one write for the run.
      await broker.publish([{ id: 'old-AA', queue: Q, body: 'old' }]);
      await broker.publish([
        { id: 'one-AA', queue: Q, body: 'b1' },
        { id: 'old-AA', queue: Q, body: 'again' },
        { id: 'two-AA', queue: Q, body: 'b2', eta: Date.now() + LONG },
        { id: 'one-AA', queue: Q, body: 'repeated' },
        { id: 'three-AA', queue: Q, body: 'b3', priority: 5 },
        { id: 'four-AA', queue: Q, body: 'b4' },
      ]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 4, delayed: 1, active: 0 });
      const bodies = (await broker.reserve(Q, 10, LONG)).messages.map((m) => [m.id, m.body]);
      expect(bodies).toEqual([
        ['three-AA', 'b3'],
        ['old-AA', 'old'],
        ['one-AA', 'b1'],
        ['four-AA', 'b4'],
      ]);
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

    it('leases thousands in one reserve, in order, and acknowledges and extends them all', async () => {
      const { broker } = await open();
      // A Redis script unpacks at most about 8,000 values: a reserve of 4,000 once failed on its leases.
      const many = Array.from({ length: 9000 }, (_, i) => msg(`m${i}`));
      await broker.publish(many);
      const got = await broker.reserve(Q, 10_000, LONG);
      expect(ids(got)).toEqual(many.map((m) => m.id));
      await broker.extendLeases(Q, got.messages.map(lease), LONG);
      await broker.settle(got.messages.map((m) => ({ kind: 'ack', ...lease(m) }) as const), []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });

    it('says the queue is drained when it gave fewer than asked, and not when it gave all it was asked for', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('c')]);
      const two = await broker.reserve(Q, 2, LONG);
      expect(ids(two)).toEqual(['a', 'b']);
      expect(two.drained).toBe(false);
      const rest = await broker.reserve(Q, 2, LONG);
      expect(ids(rest)).toEqual(['c']);
      expect(rest.drained).toBe(true);
      // Drained, a wait for work ends at the next publish.
      const waited = broker.waitForWork([Q], LONG);
      await broker.publish([msg('d')]);
      await waited;
      expect(ids(await broker.reserve(Q, 2, LONG))).toEqual(['d']);
    });

    it('an empty queue gives nothing and no wakeAt', async () => {
      const { broker } = await open();
      expect(await broker.reserve(Q, 10, LONG)).toEqual({ messages: [], dead: [], wakeAt: null, drained: true });
    });
  });

  describe('delayed messages (eta)', () => {
    it('dueTimes tells when each id waiting in a delayed set of any queue is due', async () => {
      const { broker } = await open();
      const eta = Date.now() + LONG;
      await broker.publish([msg('later', { eta }), msg('now'), { id: 'elsewhere', queue: 'other', body: 'x', eta: eta + 1 }]);
      expect(await broker.dueTimes(['later', 'now', 'elsewhere', 'unknown'])).toEqual(new Map([['later', eta], ['elsewhere', eta + 1]]));
      expect(await broker.dueTimes([])).toEqual(new Map());
    });

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
      expect(due.messages).toEqual([reserved('later', 'body-later', 1)]);
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
      expect(first.messages).toEqual([reserved('a', 'body-a', 1)]);
      expect(first.wakeAt).toBeGreaterThanOrEqual(leasedFrom + 200);
      expect(first.wakeAt).toBeLessThanOrEqual(leasedTo + 200);
      expect(ids(await broker.reserve(Q, 10, 200))).toEqual([]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });

      const again = await reserveSome(broker, 'the lease to run out');
      expect(Date.now()).toBeGreaterThanOrEqual(leasedFrom + 200);
      expect(again.messages).toEqual([reserved('a', 'body-a', 2)]);
    });

    it('a lost delivery is stale: acking it does nothing, acking the current one removes the message', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const lost = held(await broker.reserve(Q, 10, 50), 'a');
      const current = held(await reserveSome(broker, 'the lease to run out'), 'a');
      await broker.settle([{ kind: 'ack', ...lease(lost) }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      await broker.settle([{ kind: 'ack', ...lease(current) }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });

    it('one ack of held, stale and unknown leases together removes only the held ones', async () => {
      const { broker } = await open();
      await broker.publish([msg('lost')]);
      const lost = held(await broker.reserve(Q, 1, 50), 'lost');
      const current = held(await reserveSome(broker, 'the lease to run out'), 'lost');
      expect(current.delivery).toBe(2);
      await broker.publish([msg('kept'), msg('done')]);
      const got = await broker.reserve(Q, 10, 150);
      expect(ids(got)).toEqual(['kept', 'done']);
      await broker.settle(
        [
          { kind: 'ack', ...lease(lost) },
          { kind: 'ack', ...lease(held(got, 'done')) },
          { kind: 'ack', queue: Q, id: 'never-sent', lease: 'made-up' },
          { kind: 'ack', ...lease(held(got, 'kept')), lease: 'not-its-token' },
        ],
        [],
      );
      // 'lost' (held by its second delivery) and 'kept' are still leased; 'done' is gone.
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 2 });
      // 'kept' comes back whole once its lease runs out; 'done' does not.
      expect((await reserveSome(broker, "kept's lease to run out")).messages).toEqual([reserved('kept', 'body-kept', 2)]);
      await broker.settle([{ kind: 'ack', ...lease(current) }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
    });

    it('a lease that ran out puts the message first in line', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const { wakeAt } = await broker.reserve(Q, 10, 50);
      await broker.publish([msg('b'), msg('c')]);
      await waitFor(() => Date.now() > wakeAt!, 'the lease to run out', 2000, 5);
      expect((await broker.reserve(Q, 1, LONG)).messages).toEqual([reserved('a', 'body-a', 2)]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['b', 'c']);
    });

    it('extendLeases keeps a message away while another whose lease was not extended comes back', async () => {
      const { broker } = await open();
      await broker.publish([msg('kept'), msg('dropped')]);
      // Two reserve calls: a broker may lease a call's messages together (the Redis one does).
      const first = await broker.reserve(Q, 1, 150);
      expect(ids(first)).toEqual(['kept']);
      expect(ids(await broker.reserve(Q, 1, 150))).toEqual(['dropped']);
      await broker.extendLeases(Q, [lease(held(first, 'kept'))], LONG);
      const back = await reserveSome(broker, 'the unextended lease to run out');
      expect(back.messages).toEqual([reserved('dropped', 'body-dropped', 2)]);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual([]);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 2 });
    });

    it('extendLeases with a lost lease does not extend the lease of the message\'s current holder', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      // Worker 1's lease runs out; worker 2 holds the message now, for a short lease.
      const [first] = (await broker.reserve(Q, 10, 50)).messages;
      const [second] = (await reserveSome(broker, 'the first lease to run out', 150)).messages;
      expect(second.delivery).toBe(2);
      // Worker 1, still running, extends what it thinks it holds.
      await broker.extendLeases(Q, [lease(first)], LONG);
      // Worker 2 dies: its lease runs out all the same, and the message comes back.
      const back = await reserveSome(broker, "worker 2's lease to run out");
      expect(back.messages.map((m) => [m.id, m.delivery])).toEqual([['a', 3]]);
    });

    it('extendLeases does not lease a message that is not leased', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      // 'a' was leased and acknowledged, then sent again under its id: the old token is stale.
      const acked = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'ack', ...lease(acked) }], []);
      await broker.publish([msg('a'), msg('b')]);
      await broker.extendLeases(Q, [lease(acked), { id: 'b', lease: 'made-up' }, { id: 'unknown', lease: '' }], LONG);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['a', 'b']);
    });
  });

  describe('settle', () => {
    it('ack removes the message: it does not come back once its lease would have run out', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('unacked')]);
      const got = await broker.reserve(Q, 10, 100);
      await broker.settle([{ kind: 'ack', ...lease(held(got, 'a')) }, { kind: 'ack', ...lease(held(got, 'b')) }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      const back = await reserveSome(broker, 'the unacked lease to run out');
      expect(ids(back)).toEqual(['unacked']);
    });

    it('requeue with an eta: delayed until then, with its new body, delivery counted afresh', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      await broker.reserve(Q, 10, 50);
      // Its first lease ran out: this is delivery 2.
      const second = held(await reserveSome(broker, 'the lease to run out'), 'a');
      expect(second.delivery).toBe(2);
      const eta = Date.now() + 200;
      await broker.settle([{ kind: 'requeue', ...lease(second), body: 'retry-1', eta }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual([]);
      const due = await reserveSome(broker, 'the retry to come due');
      expect(Date.now()).toBeGreaterThanOrEqual(eta);
      expect(due.messages).toEqual([reserved('a', 'retry-1', 1)]);
    });

    it('a reserve made right after a settle, before it is answered, finds what the settle put back (a worker fetching after a retry)', async () => {
      const { broker } = await open();
      await broker.publish([msg('a', { priority: 9 }), msg('b')]);
      const a = held(await broker.reserve(Q, 1, LONG), 'a');
      const record = { id: 'a', state: 'RETRY' as const, task: 't', queue: Q };
      const settled = broker.settle([{ kind: 'requeue', ...lease(a), body: 'retry-1', eta: 0 }], [{ record, ttl: LONG }]);
      const next = broker.reserve(Q, 1, LONG);
      await settled;
      expect((await next).messages).toEqual([reserved('a', 'retry-1', 1)]);
    });

    it("requeue without an eta goes to the back of the queue; '' keeps the body", async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      const a = held(await broker.reserve(Q, 1, LONG), 'a');
      await broker.settle([{ kind: 'requeue', ...lease(a), body: '', eta: 0 }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 0 });
      const got = await broker.reserve(Q, 10, LONG);
      expect(got.messages).toEqual([reserved('b', 'body-b', 1), reserved('a', 'body-a', 1)]);
    });

    it('release puts it back untouched at the front, in its priority', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('x', { priority: 5 }), msg('y', { priority: 5 })]);
      const first = await broker.reserve(Q, 1, LONG);
      expect(ids(first)).toEqual(['x']);
      await broker.publish([msg('z', { priority: 5 })]);
      await broker.settle([{ kind: 'release', ...lease(held(first, 'x')) }], []);
      const after = await broker.reserve(Q, 3, LONG);
      expect(after.messages[0]).toEqual(reserved('x', 'body-x', 1));
      expect(ids(after)).toEqual(['x', 'y', 'z']);
      await broker.settle([{ kind: 'release', ...lease(held(after, 'y')) }], []);
      expect(ids(await broker.reserve(Q, 10, LONG))).toEqual(['y', 'a', 'b']);
    });

    it("release of a lost run (its process died) counts a delivery", async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      const a = held(await broker.reserve(Q, 1, LONG), 'a');
      await broker.settle([{ kind: 'release', ...lease(a), lost: true }], []);
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([reserved('a', 'body-a', 2), reserved('b', 'body-b', 1)]);
    });

    it('dead: moves the message to the dead-letter list, newest first, with the stored or the given raw message', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b')]);
      const got = await broker.reserve(Q, 10, LONG);
      const before = Date.now();
      await broker.settle([{ kind: 'dead', ...lease(held(got, 'a')), raw: null, reason: 'cannot decode' }], []);
      await broker.settle([{ kind: 'dead', ...lease(held(got, 'b')), raw: 'as received', reason: 'bad header' }], []);
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
      const stale = held(await broker.reserve(Q, 10, 50), 'a');
      expect((await reserveSome(broker, 'the lease to run out')).messages[0].delivery).toBe(2);
      await broker.settle(
        [
          { kind: 'requeue', ...lease(stale), body: 'stale', eta: 0 },
          { kind: 'release', ...lease(stale) },
          { kind: 'dead', ...lease(stale), raw: null, reason: 'stale' },
        ],
        [],
      );
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
      expect(await broker.deadLetters(Q)).toEqual([]);
    });

    it('a settle repeated for a message no longer leased does nothing: it is not queued or dead-lettered twice', async () => {
      const { broker } = await open();
      await broker.publish([msg('a'), msg('b'), msg('c')]);
      const release = { kind: 'release', ...lease(held(await broker.reserve(Q, 1, LONG), 'a')) } as const;
      await broker.settle([release], []);
      await broker.settle([release], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 3, delayed: 0, active: 0 });
      const all = await broker.reserve(Q, 10, LONG);
      expect(ids(all)).toEqual(['a', 'b', 'c']);

      const requeue = { kind: 'requeue', ...lease(held(all, 'b')), body: '', eta: 0 } as const;
      await broker.settle([requeue], []);
      await broker.settle([requeue], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 2 });

      const dead = { kind: 'dead', ...lease(held(all, 'c')), raw: null, reason: 'poison' } as const;
      await broker.settle([dead], []);
      await broker.settle([dead], []);
      expect((await broker.deadLetters(Q)).map((entry) => entry.id)).toEqual(['c']);
    });

    it('after an ack, a late requeue, release or dead-letter of that delivery does nothing', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const a = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'ack', ...lease(a) }], []);
      await broker.settle([{ kind: 'requeue', ...lease(a), body: 'again', eta: 0 }], []);
      await broker.settle([{ kind: 'release', ...lease(a) }], []);
      await broker.settle([{ kind: 'dead', ...lease(a), raw: null, reason: 'late' }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      expect(await broker.reserve(Q, 10, LONG)).toEqual({ messages: [], dead: [], wakeAt: null, drained: true });
      expect(await broker.deadLetters(Q)).toEqual([]);
    });

    it("a lost delivery's late settle does nothing to a later attempt, even after a retry started the delivery count again", async () => {
      const { broker } = await open();
      const kinds = ['ack', 'requeue', 'rate-wait', 'release', 'lost', 'dead'] as const;
      await broker.publish(kinds.map((kind) => msg(kind)));
      // Worker 1 leases every message and stalls: its leases run out.
      const first = (await broker.reserve(Q, 10, 50)).messages;
      expect(first).toHaveLength(kinds.length);
      // Worker 2 gets them again (delivery 2) and schedules a retry of each, due now.
      const second = await waitFor(
        async () => {
          const got = await broker.reserve(Q, 10, LONG);
          return got.messages.length === kinds.length ? got.messages : null;
        },
        'the first leases to run out',
        5000,
        10,
      );
      expect(second.map((m) => m.delivery)).toEqual(kinds.map(() => 2));
      await broker.settle(second.map((m) => ({ kind: 'requeue', ...lease(m), body: '', eta: 0 }) as const), []);
      // Worker 3 holds the retries: delivery 1 of the new attempt.
      const third = (await broker.reserve(Q, 10, 300)).messages;
      expect(third.map((m) => m.delivery)).toEqual(kinds.map(() => 1));
      // Worker 1 wakes up and settles what it held, each message in another way.
      const late = (kind: (typeof kinds)[number]) => {
        const base = lease(first.find((m) => m.id === kind)!);
        switch (kind) {
          case 'ack':
            return { kind, ...base } as const;
          case 'requeue':
            return { kind, ...base, body: 'late', eta: 0 } as const;
          case 'rate-wait':
            return { kind, ...base, body: 'late', eta: Date.now() + LONG, task: 'T', issued: Date.now() } as const;
          case 'release':
            return { kind, ...base } as const;
          case 'lost':
            return { kind: 'release', ...base, lost: true } as const;
          case 'dead':
            return { kind, ...base, raw: null, reason: 'late' } as const;
        }
      };
      await broker.settle(kinds.map(late), []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: kinds.length });
      expect(await broker.deadLetters(Q)).toEqual([]);
      // Worker 3 dies: every message comes back, untouched, for its second delivery.
      const back = await waitFor(
        async () => {
          const got = await broker.reserve(Q, 10, LONG);
          return got.messages.length > 0 ? got.messages : null;
        },
        "worker 3's leases to run out",
        5000,
        10,
      );
      expect(back.map((m) => [m.id, m.body, m.delivery]).sort()).toEqual(kinds.map((kind) => [kind, `body-${kind}`, 2]).sort());
    });

    it('writes the results of a settle before its message operations', async () => {
      const { broker } = await open();
      await broker.publish([msg('a')]);
      const a = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'ack', ...lease(a) }], [{ record: { id: 'a', state: 'SUCCESS', result: 42 }, ttl: LONG }]);
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
      const reported: unknown[] = [];
      const [dead] = await waitFor(
        async () => {
          const result = await broker.reserve(Q, 10, 30);
          deliveredAgain.push(...ids(result));
          reported.push(...result.dead);
          const letters = await broker.deadLetters(Q);
          return letters.length > 0 ? letters : null;
        },
        'the dead letter',
        5000,
        10,
      );
      expect(deliveredAgain).toEqual([]);
      // The reserve that dead-lettered it says so, with the body, so the worker can fail its task.
      expect(reported).toEqual([{ id: 'poison', queue: Q, body: 'body-poison', reason: 'delivered 2 times without finishing (maxDeliveries 2)' }]);
      expect(dead).toEqual({ id: 'poison', queue: Q, raw: 'body-poison', reason: 'delivered 2 times without finishing (maxDeliveries 2)', at: expect.any(Number) });
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
    });

    it('a message whose process died maxDeliveries times is dead-lettered', async () => {
      const { broker } = await open({ maxDeliveries: 2 });
      await broker.publish([msg('a')]);
      const first = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'release', ...lease(first), lost: true }], []);
      const second = await broker.reserve(Q, 10, LONG);
      expect(second.messages).toEqual([reserved('a', 'body-a', 2)]);
      await broker.settle([{ kind: 'release', ...lease(held(second, 'a')), lost: true }], []);
      expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 0 });
      expect(await broker.deadLetters(Q)).toEqual([
        { id: 'a', queue: Q, raw: 'body-a', reason: 'its process died 2 times (maxDeliveries 2)', at: expect.any(Number) },
      ]);
    });

    it('a retry starts the count again', async () => {
      const { broker } = await open({ maxDeliveries: 2 });
      await broker.publish([msg('a')]);
      const first = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'release', ...lease(first), lost: true }], []);
      const second = held(await broker.reserve(Q, 10, LONG), 'a');
      await broker.settle([{ kind: 'requeue', ...lease(second), body: '', eta: 0 }], []);
      const retried = await broker.reserve(Q, 10, LONG);
      expect(retried.messages).toEqual([reserved('a', 'body-a', 1)]);
      await broker.settle([{ kind: 'release', ...lease(held(retried, 'a')), lost: true }], []);
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
      // Timed from the start of the wait: the publish's own round trip is part of it.
      const startedAt = Date.now();
      const elsewhere = broker.waitForWork([Q], 400);
      await broker.publish([{ id: 'x', queue: 'unrelated', body: 'x' }]);
      await elsewhere;
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(395);
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
