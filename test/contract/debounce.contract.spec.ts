import { waitFor } from '../support/wait';
import type { Broker, PublishRequest, ReserveResult } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;
const KEY = 'Contract.debounced:account-1';

/** A body of call n (opaque to the broker: encodeMessage's bodies name no id). */
const body = (n: number) => `body-${n}`;
function msg(id: string, n: number, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: body(n), ...extra };
}

const window = (delay: number, maxWait?: number) => ({ key: KEY, delay, ...(maxWait !== undefined ? { maxWait } : {}) });

/** Reserves until something comes (its eta must pass first), bounded. */
function reserveSome(broker: Broker, what: string, queue = Q): Promise<ReserveResult> {
  return waitFor(
    async () => {
      const got = await broker.reserve(queue, 10, LONG);
      return got.messages.length > 0 ? got : null;
    },
    what,
    10_000,
    10,
  );
}

async function dueOf(broker: Broker, id: string): Promise<number | undefined> {
  return (await broker.dueTimes([id])).get(id);
}

forEachBackend('debounce', ({ open }) => {
  it('opens a window: the message waits in the delayed set, due delay from now', async () => {
    const { broker, monitoring } = await open();
    const before = Date.now();
    expect(await broker.publishDebounced(msg('first', 1), window(LONG))).toBe('first');
    const after = Date.now();
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
    const due = await dueOf(broker, 'first');
    expect(due).toBeGreaterThanOrEqual(before + LONG);
    expect(due).toBeLessThanOrEqual(after + LONG);
    expect(await monitoring.admin.queueNames()).toEqual([Q]);
  });

  it('a call while the window waits joins it: one message, under the first id, with the last body and priority, pushed back', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('first', 1, { priority: 3 }), window(LONG));
    const dueFirst = (await dueOf(broker, 'first'))!;
    expect(await broker.publishDebounced(msg('second', 2), window(LONG))).toBe('first');
    expect(await broker.publishDebounced(msg('third', 3, { priority: 7 }), window(LONG))).toBe('first');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
    expect(await dueOf(broker, 'first')).toBeGreaterThanOrEqual(dueFirst);
    // A short window of the same key joins too: the run comes forward to its delay.
    expect(await broker.publishDebounced(msg('fourth', 4, { priority: 7 }), window(50))).toBe('first');
    const { messages } = await reserveSome(broker, 'the collapsed message');
    expect(messages).toEqual([{ id: 'first', queue: Q, body: body(4), delivery: 1, lease: expect.any(String) }]);
  });

  it('the last call sets the priority the run is fetched with', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('low', 1), window(50));
    await broker.publishDebounced(msg('low-again', 2, { priority: 9 }), window(50));
    await broker.publish([msg('plain', 0)]);
    const due = (await dueOf(broker, 'low'))!;
    await waitFor(() => Date.now() > due, 'the window to be due');
    expect((await broker.reserve(Q, 10, LONG)).messages.map((m) => m.id)).toEqual(['low', 'plain']);
  });

  it('maxWait caps how far calls push the run back: due no later than first call + maxWait', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('first', 1), window(LONG, LONG));
    const dueFirst = (await dueOf(broker, 'first'))!;
    for (let n = 2; n <= 5; n++) expect(await broker.publishDebounced(msg(`call-${n}`, n), window(LONG, LONG))).toBe('first');
    expect(await dueOf(broker, 'first')).toBe(dueFirst);
    // maxWait already passed: the run is due at once, with the last body.
    await broker.publishDebounced(msg('capped', 1), { key: 'other-key', delay: LONG, maxWait: LONG });
    expect(await broker.publishDebounced(msg('late', 2), { key: 'other-key', delay: LONG, maxWait: 1 })).toBe('capped');
    const { messages } = await reserveSome(broker, 'the capped window');
    expect(messages.map((m) => [m.id, m.body])).toEqual([['capped', body(2)]]);
  });

  it('once the run is promoted or leased, the next call opens a new window', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('first', 1), window(30));
    const [leased] = (await reserveSome(broker, 'the first run')).messages;
    expect(leased.id).toBe('first');
    expect(await broker.publishDebounced(msg('second', 2), window(LONG))).toBe('second');
    expect(await broker.publishDebounced(msg('third', 3), window(LONG))).toBe('second');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 1 });
    // Acked: still a new window is not opened while 'second' waits.
    await broker.settle([{ kind: 'ack', queue: Q, id: 'first', lease: leased.lease }], []);
    expect(await broker.publishDebounced(msg('fourth', 4), window(LONG))).toBe('second');
  });

  it('a retry of the run, back in the delayed set, is not joined: the next call opens a new window', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('first', 1), window(30));
    const [leased] = (await reserveSome(broker, 'the first run')).messages;
    await broker.settle([{ kind: 'requeue', queue: Q, id: 'first', lease: leased.lease, body: '', eta: Date.now() + LONG }], []);
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 1, active: 0 });
    expect(await broker.publishDebounced(msg('second', 2), window(LONG))).toBe('second');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 2, active: 0 });
  });

  it("the run is admitted under the last call's concurrency key", async () => {
    const { broker } = await open();
    await broker.publish([msg('busy', 0, { concurrency: { key: 'T:b', limit: 1 } })]);
    await broker.publishDebounced(msg('first', 1, { concurrency: { key: 'T:a', limit: 1 } }), window(30));
    await broker.publishDebounced(msg('second', 2, { concurrency: { key: 'T:b', limit: 1 } }), window(30));
    const due = (await dueOf(broker, 'first'))!;
    await waitFor(() => Date.now() > due, 'the window to be due');
    // 'busy' holds T:b's one slot: the run waits in T:b's line.
    const [busy, ...rest] = (await broker.reserve(Q, 10, LONG)).messages;
    expect([busy.id, rest]).toEqual(['busy', []]);
    await broker.settle([{ kind: 'ack', queue: Q, id: 'busy', lease: busy.lease }], []);
    expect((await reserveSome(broker, 'the run, admitted')).messages.map((m) => m.id)).toEqual(['first']);
  });

  it('keys are separate, and so are queues', async () => {
    const { broker } = await open();
    expect(await broker.publishDebounced(msg('a', 1), { key: 'T:a', delay: LONG })).toBe('a');
    expect(await broker.publishDebounced(msg('b', 1), { key: 'T:b', delay: LONG })).toBe('b');
    expect(await broker.publishDebounced({ ...msg('c', 1), queue: 'other' }, { key: 'T:a', delay: LONG })).toBe('c');
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 2, active: 0 });
    expect(await broker.queueSizes('other')).toEqual({ ready: 0, delayed: 1, active: 0 });
  });

  it('a holder named as revoked does not count: the call opens a new window', async () => {
    const { broker } = await open();
    await broker.publishDebounced(msg('revoked', 1), window(LONG));
    expect(await broker.publishDebounced(msg('other', 2), window(LONG), 'not-the-holder')).toBe('revoked');
    expect(await broker.publishDebounced(msg('new', 3), window(LONG), 'revoked')).toBe('new');
    expect(await broker.publishDebounced(msg('next', 4), window(LONG), 'revoked')).toBe('new');
    // The revoked one stays delayed until a worker drops it.
    expect(await broker.queueSizes(Q)).toEqual({ ready: 0, delayed: 2, active: 0 });
  });
});
