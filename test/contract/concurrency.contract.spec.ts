import { waitFor } from '../support/wait';
import type { PublishRequest } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;

function msg(id: string, key?: string, limit = 2, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...(key ? { concurrency: { key, limit } } : {}), ...extra };
}

forEachBackend('concurrency keys', ({ open }) => {
  it('admits at most `limit` messages of a key; the others wait in its line without blocking other keys', async () => {
    const { broker, monitoring } = await open();
    await broker.publish(['a1', 'a2', 'a3', 'a4', 'a5'].map((id) => msg(id, 'A')));
    await broker.publish([msg('b1', 'B'), msg('plain')]);
    expect(await broker.queueSizes(Q)).toEqual({ ready: 4, delayed: 0, active: 0 });
    const leased = (await broker.reserve(Q, 10, LONG)).messages;
    expect(leased.map((m) => m.id)).toEqual(['a1', 'a2', 'b1', 'plain']);
    expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 4, dead: 0, keyWaiting: 3 });
    expect(await monitoring.admin.concurrencyKeys(Q, 10)).toEqual([{ key: 'A', admitted: 2, waiting: 3 }]);
  });

  it('an ack frees the slot for the next of its key, queued behind what waits already (keys take turns)', async () => {
    const { broker } = await open();
    await broker.publish(['a1', 'a2', 'a3'].map((id) => msg(id, 'A', 1)));
    const [a1] = (await broker.reserve(Q, 10, LONG)).messages;
    expect(a1.id).toBe('a1');
    await broker.publish([msg('b1', 'B', 1)]);
    await broker.settle([{ kind: 'ack', queue: Q, id: 'a1', lease: a1.lease }], []);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['b1', 'a2']);
  });

  it('a dead letter frees its slot; a retry gives its slot up and waits for one again', async () => {
    const { broker, monitoring } = await open();
    await broker.publish(['a1', 'a2', 'a3'].map((id) => msg(id, 'A', 1)));
    const [a1] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'dead', queue: Q, id: 'a1', lease: a1.lease, raw: null, reason: 'poison' }], []);
    const [a2] = (await broker.reserve(Q, 10, LONG)).messages;
    expect(a2.id).toBe('a2');
    await broker.settle([{ kind: 'requeue', queue: Q, id: 'a2', lease: a2.lease, body: 'retried', eta: 0 }], []);
    // a3 was waiting first: it takes the slot, and the retry lines up behind it.
    const [a3] = (await broker.reserve(Q, 10, LONG)).messages;
    expect(a3.id).toBe('a3');
    expect(await monitoring.admin.concurrencyKeys(Q, 10)).toEqual([{ key: 'A', admitted: 1, waiting: 1 }]);
    await broker.settle([{ kind: 'ack', queue: Q, id: 'a3', lease: a3.lease }], []);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => [m.id, m.body])).toEqual([['a2', 'retried']]);
  });

  it('a released message (shutdown) and a lost lease keep their slot', async () => {
    const { broker } = await open();
    await broker.publish(['a1', 'a2'].map((id) => msg(id, 'A', 1)));
    const [a1] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'release', queue: Q, id: 'a1', lease: a1.lease }], []);
    const again = (await broker.reserve(Q, 10, 1)).messages;
    expect(again.map((m) => m.id)).toEqual(['a1']);
    // Its lease runs out (a dead worker): it comes back to the front, still the only one of A.
    let third: Array<{ id: string; delivery: number }> = [];
    await waitFor(async () => (third = (await broker.reserve(Q, 10, LONG)).messages).length > 0, 'the lease to run out', 3000, 2);
    expect(third.map((m) => [m.id, m.delivery])).toEqual([['a1', 2]]);
  });

  it('a delayed message is admitted when it comes due', async () => {
    const { broker } = await open();
    const soon = Date.now() + 50;
    await broker.publish([msg('a1', 'A', 1), msg('later', 'A', 1, { eta: soon })]);
    const [a1] = (await broker.reserve(Q, 10, LONG)).messages;
    // Due, but A's one slot is taken: it leaves the delayed set for A's line.
    await waitFor(async () => (await broker.reserve(Q, 10, LONG)).messages.length === 0 && (await broker.queueSizes(Q)).delayed === 0, 'it to come due', 3000, 5);
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 0, active: 1 });
    await broker.settle([{ kind: 'ack', queue: Q, id: 'a1', lease: a1.lease }], []);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['later']);
  });

  it('unique tasks can have a key too', async () => {
    const { broker } = await open();
    await broker.publish([msg('a1', 'A', 1)]);
    expect(await broker.publishUnique(msg('u1', 'A', 1), 'lock', LONG)).toBe('u1');
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['a1']);
  });

  it('purge removes the waiting lines too, and the slots they would have taken', async () => {
    const { broker, monitoring } = await open();
    await broker.publish(['a1', 'a2', 'a3', 'a4'].map((id) => msg(id, 'A', 1)));
    await broker.publish([msg('b1', 'B', 1)]);
    const purged: string[] = [];
    expect(await monitoring.admin.purge(Q, (ids) => void purged.push(...ids))).toBe(5);
    expect(purged.sort()).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
    expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 0, dead: 0 });
    expect(await monitoring.admin.concurrencyKeys(Q, 10)).toEqual([]);
    // Nothing leaked: A has its one slot for the next message.
    await broker.publish([msg('a5', 'A', 1), msg('a6', 'A', 1)]);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['a5']);
  });

  it('a requeued dead letter goes through its key again', async () => {
    const { broker, monitoring } = await open();
    const body = JSON.stringify({ v: 1, id: 'd1', task: 'T.run', args: [], queue: Q, sentAt: 1, retries: 0, concurrency: { key: 'A', limit: 1 } });
    await broker.publish([msg('a1', 'T.run:A', 1), { ...msg('d1', 'T.run:A', 1), body }]);
    const [a1] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'ack', queue: Q, id: 'a1', lease: a1.lease }], []);
    const [d1] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'dead', queue: Q, id: 'd1', lease: d1.lease, raw: null, reason: 'poison' }], []);
    await broker.publish([msg('a2', 'T.run:A', 1)]);
    const [a2] = (await broker.reserve(Q, 10, LONG)).messages;
    expect(a2.id).toBe('a2');
    const [entry] = await monitoring.admin.deadLetters(Q, 0, 10);
    expect(await monitoring.admin.requeueDeadLetter(entry, body, 0)).toBe(1);
    // A's slot is a2's: the requeued one waits for it.
    expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([]);
    await broker.settle([{ kind: 'ack', queue: Q, id: 'a2', lease: a2.lease }], []);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['d1']);
  });
});
