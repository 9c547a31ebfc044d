import { waitFor } from '../support/wait';
import type { PublishRequest } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;
const LOCK = 'Contract.unique:["same"]';

function msg(id: string, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...extra };
}

forEachBackend('unique', ({ open }) => {
  it('lists a queue that only ever got unique tasks among the queues in use', async () => {
    const { broker, monitoring } = await open();
    await broker.publishUnique(msg('only'), LOCK, LONG);
    expect(await monitoring.admin.queueNames()).toEqual([Q]);
  });

  it('returns the existing holder while it is queued, and does not enqueue the newcomer', async () => {
    const { broker } = await open();
    expect(await broker.publishUnique(msg('first'), LOCK, LONG)).toBe('first');
    expect(await broker.publishUnique(msg('second'), LOCK, LONG)).toBe('first');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 1, delayed: 0, active: 0 });
    expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'first', queue: Q, body: 'body-first', delivery: 1, lease: expect.any(String) }]);
  });

  it('the holder keeps the lock while it runs and while it is delayed', async () => {
    const { broker } = await open();
    await broker.publishUnique(msg('running'), LOCK, LONG);
    await broker.reserve(Q, 10, LONG);
    expect(await broker.publishUnique(msg('other'), LOCK, LONG)).toBe('running');
    await broker.publishUnique(msg('later', { eta: Date.now() + LONG }), 'another-lock', LONG);
    expect(await broker.publishUnique(msg('other'), 'another-lock', LONG)).toBe('later');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 1 });
  });

  it('gives a new id once the holder is acked', async () => {
    const { broker } = await open();
    await broker.publishUnique(msg('first'), LOCK, LONG);
    const [first] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'ack', queue: Q, id: 'first', lease: first.lease }], []);
    expect(await broker.publishUnique(msg('second'), LOCK, LONG)).toBe('second');
    expect(await broker.publishUnique(msg('third'), LOCK, LONG)).toBe('second');
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['second']);
  });

  it('gives a new id once the holder was dead-lettered', async () => {
    const { broker } = await open();
    await broker.publishUnique(msg('first'), LOCK, LONG);
    const [first] = (await broker.reserve(Q, 10, LONG)).messages;
    await broker.settle([{ kind: 'dead', queue: Q, id: 'first', lease: first.lease, raw: null, reason: 'poison' }], []);
    expect(await broker.publishUnique(msg('second'), LOCK, LONG)).toBe('second');
  });

  it('the newcomer wins when revokedHolder names the holder', async () => {
    const { broker } = await open();
    await broker.publishUnique(msg('revoked'), LOCK, LONG);
    expect(await broker.publishUnique(msg('other'), LOCK, LONG, 'not-the-holder')).toBe('revoked');
    expect(await broker.publishUnique(msg('new'), LOCK, LONG, 'revoked')).toBe('new');
    // The revoked one stays queued until a worker drops it; the lock is the newcomer's now.
    expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 0 });
    expect(await broker.publishUnique(msg('third'), LOCK, LONG, 'revoked')).toBe('new');
  });

  it('the lock runs out after its ttl even while the holder is queued', async () => {
    const { broker } = await open();
    // Taken before the lock is: the lock cannot run out earlier than 100 ms after this, however slow the round trip.
    const lockedAt = Date.now();
    await broker.publishUnique(msg('first'), LOCK, 100);
    expect(await broker.publishUnique(msg('blocked'), LOCK, 100)).toBe('first');
    await waitFor(async () => (await broker.publishUnique(msg('next'), LOCK, LONG)) === 'next', 'the lock to run out', 3000, 10);
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(99);
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['first', 'next']);
  });

  it('publishing the holder again is a no-op that returns its id', async () => {
    const { broker } = await open();
    await broker.publishUnique(msg('first'), LOCK, LONG);
    expect(await broker.publishUnique({ id: 'first', queue: Q, body: 'changed' }, LOCK, LONG)).toBe('first');
    expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'first', queue: Q, body: 'body-first', delivery: 1, lease: expect.any(String) }]);
  });

  it('locks are per key and per queue', async () => {
    const { broker } = await open();
    expect(await broker.publishUnique(msg('a'), 'lock-a', LONG)).toBe('a');
    expect(await broker.publishUnique(msg('b'), 'lock-b', LONG)).toBe('b');
    expect(await broker.publishUnique({ id: 'c', queue: 'other', body: 'c' }, 'lock-a', LONG)).toBe('c');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 0, active: 0 });
    expect(await broker.queueSizes('other')).toEqual({ ready: 1, delayed: 0, active: 0 });
  });

  it('a unique message keeps its eta and priority', async () => {
    const { broker } = await open();
    await broker.publish([msg('plain')]);
    await broker.publishUnique(msg('urgent', { priority: 9 }), 'lock-urgent', LONG);
    await broker.publishUnique(msg('delayed', { eta: Date.now() + LONG }), 'lock-delayed', LONG);
    expect(await broker.queueSizes(Q)).toEqual({ ready: 2, delayed: 1, active: 0 });
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['urgent', 'plain']);
  });
});
