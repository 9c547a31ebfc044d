import { waitFor } from '../support/wait';
import type { ChordEntry, ChordPart } from './backends';
import { forEachBackend } from './for-each-backend';

const TTL = 60_000;

const ok = (value: unknown): ChordEntry => ({ ok: true, value });
const failed = (taskId: string): ChordEntry => ({
  ok: false,
  failure: { taskId, task: 'Contract.member', state: 'FAILURE', error: { name: 'Error', message: `${taskId} failed` } },
});
const part = (index: number, size = 3, id = 'chord-1'): ChordPart => ({ id, index, size });

forEachBackend('canvas', ({ open }) => {
  describe('chordPart', () => {
    it('counts each index once and completes with every outcome in header order', async () => {
      const { canvas } = await open();
      expect(await canvas.chordPart(part(1), ok('b'), TTL)).toEqual({ firstFailure: false });
      // A repeat (the member's message delivered again) does not count again, nor replace the first outcome.
      expect(await canvas.chordPart(part(1), ok('b, again'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(0), ok('a'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(2), ok({ c: [3] }), TTL)).toEqual({
        firstFailure: false,
        complete: { entries: [ok('a'), ok('b'), ok({ c: [3] })], failedIndex: null },
      });
    });

    it('reports completion to the completing member only, again on its redelivery, until the chord fired', async () => {
      const { canvas } = await open();
      await canvas.chordPart(part(0, 2), ok('a'), TTL);
      const complete = { firstFailure: false, complete: { entries: [ok('a'), ok('b')], failedIndex: null } };
      expect(await canvas.chordPart(part(1, 2), ok('b'), TTL)).toEqual(complete);
      expect(await canvas.chordPart(part(0, 2), ok('a'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(1, 2), ok('b'), TTL)).toEqual(complete);
      await canvas.chordFired('chord-1', TTL);
      expect(await canvas.chordPart(part(1, 2), ok('b'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(0, 2), ok('a'), TTL)).toEqual({ firstFailure: false });
    });

    it('members finishing at the same time: exactly one completes the chord', async () => {
      const { canvas } = await open();
      const size = 6;
      const replies = await Promise.all(Array.from({ length: size }, (_, i) => canvas.chordPart(part(i, size), ok(i), TTL)));
      const completing = replies.filter((reply) => reply.complete);
      expect(completing).toHaveLength(1);
      expect(completing[0].complete).toEqual({ entries: [0, 1, 2, 3, 4, 5].map(ok), failedIndex: null });
    });

    it('the first failure is reported once, and its index comes with the completion', async () => {
      const { canvas } = await open();
      expect(await canvas.chordPart(part(2), failed('m2'), TTL)).toEqual({ firstFailure: true });
      expect(await canvas.chordPart(part(0), failed('m0'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(2), failed('m2'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(1), ok('b'), TTL)).toEqual({
        firstFailure: false,
        complete: { entries: [failed('m0'), ok('b'), failed('m2')], failedIndex: 2 },
      });
    });

    it('after chordFired (e.g. its failure passed on early), no member counts or fails it again', async () => {
      const { canvas } = await open();
      expect(await canvas.chordPart(part(0), failed('m0'), TTL)).toEqual({ firstFailure: true });
      await canvas.chordFired('chord-1', TTL);
      expect(await canvas.chordPart(part(1), failed('m1'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(2), ok('c'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(0), failed('m0'), TTL)).toEqual({ firstFailure: false });
    });

    it('chords are counted apart', async () => {
      const { canvas } = await open();
      await canvas.chordPart(part(0, 2, 'x'), ok('x0'), TTL);
      expect(await canvas.chordPart(part(1, 3, 'y'), ok('y1'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(0, 3, 'y'), failed('y0'), TTL)).toEqual({ firstFailure: true });
      expect(await canvas.chordPart(part(1, 2, 'x'), ok('x1'), TTL)).toEqual({
        firstFailure: false,
        complete: { entries: [ok('x0'), ok('x1')], failedIndex: null },
      });
      await canvas.chordFired('x', TTL);
      expect((await canvas.chordPart(part(2, 3, 'y'), ok('y2'), TTL)).complete).toEqual({ entries: [failed('y0'), ok('y1'), ok('y2')], failedIndex: 0 });
    });

    it("a count left longer than its ttl without a new part is forgotten: the chord's parts count afresh", async () => {
      const { canvas } = await open();
      const ttl = 100;
      await canvas.chordPart(part(0, 2), ok('a'), ttl);
      const countedBy = Date.now();
      await waitFor(() => Date.now() > countedBy + ttl + 5, 'the ttl to pass', 2000, 5);
      expect(await canvas.chordPart(part(1, 2), ok('b'), TTL)).toEqual({ firstFailure: false });
      expect(await canvas.chordPart(part(0, 2), ok('a, again'), TTL)).toEqual({
        firstFailure: false,
        complete: { entries: [ok('a, again'), ok('b')], failedIndex: null },
      });
    });
  });

  describe('results of workflows', () => {
    it('storeUnlessReady never replaces a ready result; storeResults does, and announces it', async () => {
      const { broker, canvas } = await open();
      await canvas.storeUnlessReady([{ record: { id: 'g', state: 'STARTED' }, ttl: TTL }]);
      expect(await broker.getResult('g')).toEqual({ id: 'g', state: 'STARTED' });
      await canvas.storeUnlessReady([{ record: { id: 'g', state: 'SUCCESS', result: [1, 2] }, ttl: TTL }]);
      await canvas.storeUnlessReady([{ record: { id: 'g', state: 'FAILURE' }, ttl: TTL }]);
      expect(await broker.getResult('g')).toEqual({ id: 'g', state: 'SUCCESS', result: [1, 2] });

      const waiting = broker.waitForResult('h', 5000);
      await canvas.storeResults([{ record: { id: 'h', state: 'SUCCESS', result: ['x'] }, ttl: TTL }]);
      expect(await waiting).toEqual({ id: 'h', state: 'SUCCESS', result: ['x'] });
      await canvas.storeResults([{ record: { id: 'g', state: 'REVOKED', reason: 'revoked' }, ttl: TTL }]);
      expect(await broker.getResult('g')).toEqual({ id: 'g', state: 'REVOKED', reason: 'revoked' });
    });
  });
});
