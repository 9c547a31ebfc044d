import { waitFor } from '../support/wait';
import type { ControlMessage } from './backends';
import { forEachBackend } from './for-each-backend';

const LONG = 60_000;

/** A listener that keeps the messages of the test (type 'contract'); a backend may send others (e.g. 'resync'). */
function recorder() {
  const got: ControlMessage[] = [];
  return { got, listener: (message: ControlMessage) => message.type === 'contract' && got.push(message) };
}

forEachBackend('control', ({ open }) => {
  describe('broadcast', () => {
    it('reaches every onBroadcast listener, as a copy of the message', async () => {
      const { broker } = await open();
      const a = recorder();
      const b = recorder();
      await broker.onBroadcast(a.listener);
      await broker.onBroadcast(b.listener);
      const message = { type: 'contract', n: 1, nested: { ids: ['x', 'y'] } };
      await broker.broadcast(message);
      message.nested.ids.push('changed after sending');
      await waitFor(() => a.got.length > 0 && b.got.length > 0, 'both listeners', 3000, 5);
      expect(a.got).toEqual([{ type: 'contract', n: 1, nested: { ids: ['x', 'y'] } }]);
      expect(b.got).toEqual([{ type: 'contract', n: 1, nested: { ids: ['x', 'y'] } }]);
    });

    it('messages arrive in the order they were sent', async () => {
      const { broker } = await open();
      const a = recorder();
      await broker.onBroadcast(a.listener);
      for (let n = 0; n < 5; n++) await broker.broadcast({ type: 'contract', n });
      await waitFor(() => a.got.length === 5, 'five messages', 3000, 5);
      expect(a.got.map((m) => m.n)).toEqual([0, 1, 2, 3, 4]);
    });

    it('the returned function stops delivery to that listener only', async () => {
      const { broker } = await open();
      const stopped = recorder();
      const kept = recorder();
      const stop = await broker.onBroadcast(stopped.listener);
      await broker.onBroadcast(kept.listener);
      await broker.broadcast({ type: 'contract', n: 1 });
      await waitFor(() => stopped.got.length === 1 && kept.got.length === 1, 'the first message', 3000, 5);
      stop();
      await broker.broadcast({ type: 'contract', n: 2 });
      await waitFor(() => kept.got.length === 2, 'the second message', 3000, 5);
      expect(stopped.got.map((m) => m.n)).toEqual([1]);
    });

    it('a listener that throws does not stop the others', async () => {
      const { broker } = await open();
      const kept = recorder();
      await broker.onBroadcast(() => {
        throw new Error('listener failure');
      });
      await broker.onBroadcast(kept.listener);
      await broker.broadcast({ type: 'contract', n: 1 });
      await waitFor(() => kept.got.length === 1, 'the message', 3000, 5);
    });

    it('stopping every listener, then listening again, delivers again', async () => {
      const { broker } = await open();
      const first = recorder();
      const stop = await broker.onBroadcast(first.listener);
      stop();
      const again = recorder();
      await broker.onBroadcast(again.listener);
      await broker.broadcast({ type: 'contract', n: 1 });
      await waitFor(() => again.got.length === 1, 'the message', 3000, 5);
      expect(first.got).toEqual([]);
    });
  });

  describe('revoked ids', () => {
    it('rememberRevoked / revokedIds round trip', async () => {
      const { broker } = await open();
      expect(await broker.revokedIds()).toEqual([]);
      await broker.rememberRevoked(['a', 'b'], Date.now() + LONG);
      await broker.rememberRevoked(['c'], Date.now() + LONG);
      await broker.rememberRevoked([], Date.now() + LONG);
      expect((await broker.revokedIds()).sort()).toEqual(['a', 'b', 'c']);
    });

    it('forgets an id after its `until`, and never lists one whose `until` has passed', async () => {
      const { broker } = await open();
      const until = Date.now() + 150;
      await broker.rememberRevoked(['short'], until);
      await broker.rememberRevoked(['long'], Date.now() + LONG);
      await broker.rememberRevoked(['past'], Date.now() - 1000);
      expect((await broker.revokedIds()).sort()).toEqual(['long', 'short']);
      await waitFor(async () => !(await broker.revokedIds()).includes('short'), 'short to be forgotten', 3000, 10);
      expect(Date.now()).toBeGreaterThanOrEqual(until);
      expect(await broker.revokedIds()).toEqual(['long']);
    });

    it('remembering an id again moves its `until`', async () => {
      const { broker } = await open();
      await broker.rememberRevoked(['extended', 'marker'], Date.now() + 100);
      await broker.rememberRevoked(['extended'], Date.now() + LONG);
      await waitFor(async () => !(await broker.revokedIds()).includes('marker'), 'the first until to pass', 3000, 10);
      expect(await broker.revokedIds()).toEqual(['extended']);
    });
  });
});
