import { waitFor } from '../support/wait';
import type { ResultRecord, TaskState } from './backends';
import { forEachBackend } from './for-each-backend';

const LONG = 60_000;

function record(id: string, state: TaskState, extra: Partial<ResultRecord> = {}): ResultRecord {
  return { id, state, task: 'Contract.run', queue: 'q', ...extra };
}

/** How long a promise takes to settle, and its value. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value: T }> {
  const start = Date.now();
  const value = await promise;
  return { ms: Date.now() - start, value };
}

forEachBackend('results', ({ open }) => {
  it('storeResults / getResult / deleteResult round trip, records read back as written', async () => {
    const { broker } = await open();
    const done = record('a', 'SUCCESS', { result: { list: [1, 'two', null], nested: { ok: true } }, startedAt: 1, finishedAt: 2, worker: 'w1' });
    const failed = record('b', 'FAILURE', { error: { name: 'TypeError', message: 'boom', stack: 'at x' } as ResultRecord['error'], retries: 2 });
    const started = record('c', 'STARTED');
    await broker.storeResults([
      { record: done, ttl: LONG },
      { record: failed, ttl: LONG },
      { record: started, ttl: LONG },
    ]);
    expect(await broker.getResult('a')).toEqual(done);
    expect(await broker.getResult('b')).toEqual(failed);
    expect(await broker.getResult('c')).toEqual(started);
    expect(await broker.getResult('unknown')).toBeNull();

    await broker.deleteResult('a');
    expect(await broker.getResult('a')).toBeNull();
    expect(await broker.getResult('b')).toEqual(failed);
    await broker.deleteResult('never-stored');
  });

  it('a write is a copy: changing the object afterwards does not change what is stored', async () => {
    const { broker } = await open();
    const written = record('a', 'SUCCESS', { result: { n: 1 } });
    await broker.storeResults([{ record: written, ttl: LONG }]);
    (written.result as { n: number }).n = 2;
    expect(await broker.getResult('a')).toEqual(record('a', 'SUCCESS', { result: { n: 1 } }));
  });

  it("a record read is the reader's own: changing it changes neither what is stored nor what others read", async () => {
    const { broker } = await open();
    const original = () => record('a', 'SUCCESS', { result: { list: [1] } });
    await broker.storeResults([{ record: original(), ttl: LONG }]);
    const read = await broker.getResult('a');
    (read!.result as { list: number[] }).list.push(2);
    expect(await broker.getResult('a')).toEqual(original());

    const first = broker.waitForResult('b', 5000);
    const second = broker.waitForResult('b', 5000);
    await broker.storeResults([{ record: { ...original(), id: 'b' }, ttl: LONG }]);
    const got = await first;
    (got!.result as { list: number[] }).list.push(3);
    expect(await second).toEqual({ ...original(), id: 'b' });
    expect(await broker.getResult('b')).toEqual({ ...original(), id: 'b' });
    const ready = await broker.waitForResult('b', 5000);
    (ready!.result as { list: number[] }).list.push(4);
    expect(await broker.getResult('b')).toEqual({ ...original(), id: 'b' });
  });

  it('a plain write replaces what is kept, ready or not', async () => {
    const { broker } = await open();
    await broker.storeResults([{ record: record('a', 'SUCCESS', { result: 1 }), ttl: LONG }]);
    await broker.storeResults([{ record: record('a', 'PENDING'), ttl: LONG }]);
    expect(await broker.getResult('a')).toEqual(record('a', 'PENDING'));
  });

  it('a record is forgotten after its ttl', async () => {
    const { broker } = await open();
    // Taken before the write: the record cannot expire sooner than 100 ms after it, however late the replies come back.
    const sentAt = Date.now();
    await broker.storeResults([
      { record: record('short', 'SUCCESS'), ttl: 100 },
      { record: record('long', 'SUCCESS'), ttl: LONG },
    ]);
    expect(await broker.getResult('short')).toEqual(record('short', 'SUCCESS'));
    await waitFor(async () => (await broker.getResult('short')) === null, 'the short-lived record to expire', 3000, 10);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(95);
    expect(await broker.getResult('long')).toEqual(record('long', 'SUCCESS'));
  });

  describe('waitForResult', () => {
    it('resolves when a ready record is stored later, not on the progress states before it', async () => {
      const { broker } = await open();
      const waiting = broker.waitForResult('a', 5000);
      await broker.storeResults([{ record: record('a', 'RECEIVED'), ttl: LONG }]);
      await broker.storeResults([{ record: record('a', 'STARTED'), ttl: LONG }]);
      await broker.storeResults([{ record: record('a', 'RETRY', { eta: 5 }), ttl: LONG }]);
      const success = record('a', 'SUCCESS', { result: 'done' });
      await broker.storeResults([{ record: success, ttl: LONG }]);
      const { ms, value } = await timed(waiting);
      expect(value).toEqual(success);
      expect(ms).toBeLessThan(3000);
    });

    it('resolves for FAILURE and REVOKED too, and for every waiter of the id', async () => {
      const { broker } = await open();
      const failure = broker.waitForResult('f', 5000);
      const revokedA = broker.waitForResult('r', 5000);
      const revokedB = broker.waitForResult('r', 5000);
      await broker.storeResults([
        { record: record('f', 'FAILURE', { error: { name: 'Error', message: 'x' } as ResultRecord['error'] }), ttl: LONG },
        { record: record('r', 'REVOKED', { reason: 'revoked' }), ttl: LONG },
      ]);
      expect((await failure)?.state).toBe('FAILURE');
      expect(await revokedA).toEqual(record('r', 'REVOKED', { reason: 'revoked' }));
      expect(await revokedB).toEqual(record('r', 'REVOKED', { reason: 'revoked' }));
    });

    it('resolves at once with a ready record already stored', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('a', 'SUCCESS', { result: 7 }), ttl: LONG }]);
      const { ms, value } = await timed(broker.waitForResult('a', 5000));
      expect(value).toEqual(record('a', 'SUCCESS', { result: 7 }));
      expect(ms).toBeLessThan(3000);
    });

    it('returns null on timeout, also while only a progress state is stored', async () => {
      const { broker } = await open();
      const nothing = await timed(broker.waitForResult('unknown', 150));
      expect(nothing.value).toBeNull();
      expect(nothing.ms).toBeGreaterThanOrEqual(140);
      await broker.storeResults([{ record: record('a', 'STARTED'), ttl: LONG }]);
      const started = await timed(broker.waitForResult('a', 150));
      expect(started.value).toBeNull();
      expect(started.ms).toBeGreaterThanOrEqual(140);
    });

    it('a ready record of another id does not end the wait', async () => {
      const { broker } = await open();
      const waiting = broker.waitForResult('a', 300);
      await broker.storeResults([{ record: record('b', 'SUCCESS'), ttl: LONG }]);
      expect(await waiting).toBeNull();
    });
  });

  describe('keepReady (store unless ready)', () => {
    it('never overwrites a ready record', async () => {
      const { broker } = await open();
      for (const state of ['SUCCESS', 'FAILURE', 'REVOKED'] as const) {
        const id = `ready-${state}`;
        const kept = record(id, state, { result: 'first' });
        await broker.storeResults([{ record: kept, ttl: LONG }]);
        await broker.storeResults([{ record: record(id, 'STARTED'), ttl: LONG, keepReady: true }]);
        await broker.storeResults([{ record: record(id, 'SUCCESS', { result: 'second' }), ttl: LONG, keepReady: true }]);
        expect(await broker.getResult(id)).toEqual(kept);
      }
    });

    it('writes over nothing and over progress states', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('a', 'STARTED'), ttl: LONG, keepReady: true }]);
      expect(await broker.getResult('a')).toEqual(record('a', 'STARTED'));
      await broker.storeResults([{ record: record('a', 'RETRY'), ttl: LONG, keepReady: true }]);
      expect(await broker.getResult('a')).toEqual(record('a', 'RETRY'));
      await broker.storeResults([{ record: record('a', 'SUCCESS', { result: 1 }), ttl: LONG, keepReady: true }]);
      expect(await broker.getResult('a')).toEqual(record('a', 'SUCCESS', { result: 1 }));
    });

    it('a ready record written with keepReady is announced to waiters', async () => {
      const { broker } = await open();
      const waiting = broker.waitForResult('a', 5000);
      await broker.storeResults([{ record: record('a', 'SUCCESS', { result: 3 }), ttl: LONG, keepReady: true }]);
      expect(await waiting).toEqual(record('a', 'SUCCESS', { result: 3 }));
    });

    it('in one call, each write is judged on its own', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('done', 'SUCCESS'), ttl: LONG }]);
      await broker.storeResults([
        { record: record('done', 'STARTED'), ttl: LONG, keepReady: true },
        { record: record('fresh', 'STARTED'), ttl: LONG, keepReady: true },
      ]);
      expect((await broker.getResult('done'))?.state).toBe('SUCCESS');
      expect((await broker.getResult('fresh'))?.state).toBe('STARTED');
    });

    it('one call mixing ttls and modes (keep-ready, plain, announced) treats each write by its own', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('done', 'SUCCESS'), ttl: LONG }]);
      const waiting = ['plain', 'late', 'brief'].map((id) => broker.waitForResult(id, 5000));
      // Interleaved, so that writes of one ttl and mode are not next to each other.
      await broker.storeResults([
        { record: record('done', 'STARTED'), ttl: LONG, keepReady: true },
        { record: record('plain', 'SUCCESS', { result: 1 }), ttl: LONG },
        { record: record('fresh', 'STARTED'), ttl: 100, keepReady: true },
        { record: record('again', 'RECEIVED'), ttl: LONG },
        { record: record('late', 'FAILURE'), ttl: LONG, keepReady: true },
        { record: record('brief', 'SUCCESS', { result: 2 }), ttl: 100 },
        { record: record('later', 'RECEIVED'), ttl: LONG },
      ]);
      expect(await Promise.all(waiting)).toEqual([record('plain', 'SUCCESS', { result: 1 }), record('late', 'FAILURE'), record('brief', 'SUCCESS', { result: 2 })]);
      expect((await broker.getResult('done'))?.state).toBe('SUCCESS');
      expect((await broker.getResult('again'))?.state).toBe('RECEIVED');
      expect((await broker.getResult('later'))?.state).toBe('RECEIVED');
      expect((await broker.getResult('fresh'))?.state).toBe('STARTED');
      await waitFor(async () => (await broker.getResult('fresh')) === null && (await broker.getResult('brief')) === null, 'the short-lived records to expire', 3000, 10);
      expect((await broker.getResult('plain'))?.state).toBe('SUCCESS');
      expect((await broker.getResult('late'))?.state).toBe('FAILURE');
    });

    it('an expired ready record no longer blocks a write', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('a', 'SUCCESS'), ttl: 80 }]);
      await waitFor(async () => (await broker.getResult('a')) === null, 'the record to expire', 3000, 10);
      await broker.storeResults([{ record: record('a', 'STARTED'), ttl: LONG, keepReady: true }]);
      expect(await broker.getResult('a')).toEqual(record('a', 'STARTED'));
    });
  });

  describe('markRevoked (mark revoked unless started or ready)', () => {
    const revoked = (kept: ResultRecord) => ({ ...kept, state: 'REVOKED', reason: 'revoked', finishedAt: expect.any(Number) });

    it('marks a task with no record, or one that has not started, REVOKED, keeping its fields, and announces it', async () => {
      const { broker } = await open();
      const error = { name: 'TypeError', message: 'boom "quoted" / sláinte', stack: 'TypeError: boom\n    at /app/x.js:1:2', code: 'E_BOOM' } as ResultRecord['error'];
      const kept = {
        pending: record('pending', 'PENDING'),
        received: record('received', 'RECEIVED', { worker: 'host:1:w', retries: 0 }),
        retry: record('retry', 'RETRY', { worker: 'host:1:w', retries: 2, eta: 1_767_225_600_123, startedAt: 1_767_225_500_456, error }),
      };
      await broker.storeResults(Object.values(kept).map((r) => ({ record: r, ttl: LONG })));
      const waiters = [broker.waitForResult('retry', 5000), broker.waitForResult('never-stored', 5000)];
      const before = Date.now();
      const marked = await broker.markRevoked(['pending', 'received', 'retry', 'never-stored'], LONG);
      const after = Date.now();
      expect([...marked].sort()).toEqual(['never-stored', 'pending', 'received', 'retry']);
      for (const r of Object.values(kept)) expect(await broker.getResult(r.id)).toEqual(revoked(r));
      const fresh = await broker.getResult('never-stored');
      expect(fresh).toEqual({ id: 'never-stored', state: 'REVOKED', reason: 'revoked', finishedAt: expect.any(Number) });
      expect(fresh!.finishedAt).toBeGreaterThanOrEqual(before);
      expect(fresh!.finishedAt).toBeLessThanOrEqual(after);
      expect(await Promise.all(waiters)).toEqual([revoked(kept.retry), await broker.getResult('never-stored')]);
    });

    it('leaves a task that started or ended as it is: a SUCCESS stored before revoke stays SUCCESS', async () => {
      const { broker } = await open();
      const kept = [
        record('success', 'SUCCESS', { result: { n: 1 } }),
        record('failure', 'FAILURE', { error: { name: 'Error', message: 'x' } as ResultRecord['error'] }),
        record('revoked', 'REVOKED', { reason: 'expired', finishedAt: 5 }),
        record('started', 'STARTED', { startedAt: 7 }),
      ];
      await broker.storeResults(kept.map((r) => ({ record: r, ttl: LONG })));
      const waiting = broker.waitForResult('started', 300);
      expect(await broker.markRevoked(kept.map((r) => r.id), LONG)).toEqual([]);
      for (const r of kept) expect(await broker.getResult(r.id)).toEqual(r);
      expect(await waiting).toBeNull();
    });

    it('an expired record counts as none; the REVOKED record lasts its ttl', async () => {
      const { broker } = await open();
      await broker.storeResults([{ record: record('a', 'SUCCESS'), ttl: 80 }]);
      await waitFor(async () => (await broker.getResult('a')) === null, 'the record to expire', 3000, 10);
      expect(await broker.markRevoked(['a', 'short'], 100)).toEqual(['a', 'short']);
      expect((await broker.getResult('a'))?.state).toBe('REVOKED');
      await waitFor(async () => (await broker.getResult('short')) === null, 'the REVOKED record to expire', 3000, 10);
      expect(await broker.markRevoked([], LONG)).toEqual([]);
    });
  });
});
