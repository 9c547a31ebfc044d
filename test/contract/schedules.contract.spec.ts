import { waitFor } from '../support/wait';
import type { PendingFire, ScheduleState, ScheduleStore } from './backends';
import { forEachBackend } from './for-each-backend';

const LONG = 60_000;

const fire = (tick: number, schedule = 's'): PendingFire => ({
  id: `beat:${schedule}:${new Date(tick).toISOString()}`,
  schedule,
  task: 'Contract.tick',
  args: [tick],
  tick,
});
const state = (next: number, last: number | null): ScheduleState => ({ next, last, spec: 'every:1000' });

/** The stored state of a schedule, raw (what a claim compares) and read. */
async function stateOf(store: ScheduleStore, name: string) {
  return (await store.states()).get(name) ?? null;
}

forEachBackend('schedules', ({ open }) => {
  describe('runtime schedules and switches', () => {
    it('save / definitions / setEnabled / remove, each change growing the version', async () => {
      const { schedules } = await open();
      expect(await schedules.version()).toBe(0);
      expect(await schedules.definitions()).toEqual({ entries: new Map(), switches: new Map() });

      await schedules.save('a', '{"every":1000}');
      const v1 = await schedules.version();
      expect(v1).toBeGreaterThan(0);
      await schedules.save('b', '{"cron":"* * * * *"}');
      await schedules.setEnabled('a', false);
      await schedules.setEnabled('declared-in-code', true);
      const v2 = await schedules.version();
      expect(v2).toBeGreaterThan(v1);
      expect(await schedules.definitions()).toEqual({
        entries: new Map([
          ['a', '{"every":1000}'],
          ['b', '{"cron":"* * * * *"}'],
        ]),
        switches: new Map([
          ['a', false],
          ['declared-in-code', true],
        ]),
      });

      // Saving again replaces the entry and clears its switch.
      await schedules.save('a', '{"every":2000}');
      const v3 = await schedules.version();
      expect(v3).toBeGreaterThan(v2);
      expect(await schedules.definitions()).toEqual({
        entries: new Map([
          ['a', '{"every":2000}'],
          ['b', '{"cron":"* * * * *"}'],
        ]),
        switches: new Map([['declared-in-code', true]]),
      });

      await schedules.setEnabled('b', false);
      expect(await schedules.remove('b')).toBe(true);
      const v4 = await schedules.version();
      expect(v4).toBeGreaterThan(v3);
      expect(await schedules.definitions()).toEqual({
        entries: new Map([['a', '{"every":2000}']]),
        switches: new Map([['declared-in-code', true]]),
      });
      expect(await schedules.remove('b')).toBe(false);
      expect(await schedules.version()).toBe(v4);
    });

    it("remove drops the schedule's state; an unknown name keeps it", async () => {
      const { schedules } = await open();
      await schedules.elect('A', LONG);
      await schedules.save('s', '{"every":1000}');
      expect(await schedules.claim('A', 's', null, state(2000, 1000), [])).toBe('claimed');
      expect(await schedules.claim('A', 'declared', null, state(2000, 1000), [])).toBe('claimed');
      expect(await schedules.remove('declared')).toBe(false);
      expect(await stateOf(schedules, 'declared')).not.toBeNull();
      expect(await schedules.remove('s')).toBe(true);
      expect(await stateOf(schedules, 's')).toBeNull();
    });
  });

  describe('claims', () => {
    it('stores the state and the pending ticks; states() reads it back raw and decoded', async () => {
      const { schedules } = await open();
      await schedules.elect('A', LONG);
      expect(await stateOf(schedules, 's')).toBeNull();
      expect(await schedules.claim('A', 's', null, state(3000, 2000), [fire(2000), fire(1000)])).toBe('claimed');
      const stored = await stateOf(schedules, 's');
      expect(stored).toEqual({ raw: expect.any(String), value: state(3000, 2000) });
      expect(await schedules.pending()).toEqual([fire(1000), fire(2000)]);

      expect(await schedules.claim('A', 's', stored!.raw, state(4000, 3000), [fire(3000)])).toBe('claimed');
      expect((await stateOf(schedules, 's'))?.value).toEqual(state(4000, 3000));
      expect(await schedules.pending()).toEqual([fire(1000), fire(2000), fire(3000)]);
    });

    it('a tick is claimed exactly once: a second claim planned from the same state is stale', async () => {
      const { schedules } = await open();
      await schedules.elect('A', LONG);
      const replies = await Promise.all([
        schedules.claim('A', 's', null, state(2000, 1000), [fire(1000)]),
        schedules.claim('A', 's', null, state(2000, 1000), [fire(1000)]),
      ]);
      expect([...replies].sort()).toEqual(['claimed', 'stale']);
      const planned = await stateOf(schedules, 's');
      expect(await schedules.claim('A', 's', null, state(2000, 1000), [fire(1000, 'other')])).toBe('stale');
      expect(await schedules.claim('A', 's', '{"next":1,"last":null,"spec":"every:1000"}', state(9000, 8000), [])).toBe('stale');
      expect(await stateOf(schedules, 's')).toEqual(planned);
      expect(await schedules.pending()).toEqual([fire(1000)]);
    });

    it('across two claimers, only the lease holder claims: a paused former leader cannot', async () => {
      const { schedules } = await open();
      expect(await schedules.elect('A', 100)).toBe(true);
      expect(await schedules.elect('B', LONG)).toBe(false);
      expect(await schedules.claim('B', 's', null, state(2000, 1000), [fire(1000)])).toBe('not-leader');
      // A pauses past its lease; B takes over.
      await waitFor(() => schedules.elect('B', LONG), 'B to take the lease', 3000, 10);
      const replies = await Promise.all([
        schedules.claim('A', 's', null, state(2000, 1000), [fire(1000, 'from-A')]),
        schedules.claim('B', 's', null, state(2000, 1000), [fire(1000, 'from-B')]),
      ]);
      expect(replies).toEqual(['not-leader', 'claimed']);
      expect(await schedules.pending()).toEqual([fire(1000, 'from-B')]);
    });

    it('a leader whose lease ran out claims nothing, even with no successor', async () => {
      const { schedules } = await open();
      await schedules.elect('A', 100);
      const electedBy = Date.now();
      await waitFor(() => Date.now() > electedBy + 110, 'the lease to run out', 2000, 5);
      expect(await schedules.claim('A', 's', null, state(2000, 1000), [fire(1000)])).toBe('not-leader');
      expect(await schedules.pending()).toEqual([]);
      expect(await stateOf(schedules, 's')).toBeNull();
    });

    it('confirm removes pending ticks', async () => {
      const { schedules } = await open();
      await schedules.elect('A', LONG);
      await schedules.claim('A', 's', null, state(4000, 3000), [fire(1000), fire(2000), fire(3000)]);
      await schedules.confirm([fire(2000).id, 'unknown']);
      expect(await schedules.pending()).toEqual([fire(1000), fire(3000)]);
      await schedules.confirm([]);
      await schedules.confirm([fire(1000).id, fire(3000).id]);
      expect(await schedules.pending()).toEqual([]);
    });
  });

  describe('leader lease', () => {
    it('elect takes a free lease; its holder renews it; another candidate cannot take it until it runs out', async () => {
      const { schedules } = await open();
      expect(await schedules.elect('A', 100)).toBe(true);
      expect(await schedules.elect('B', 100)).toBe(false);
      // Renewed for longer: it outlasts the first 100 ms.
      const renewedFrom = Date.now();
      expect(await schedules.elect('A', 400)).toBe(true);
      const renewedBy = Date.now();
      await waitFor(() => Date.now() > renewedBy + 150, 'the first lease to have run out', 2000, 5);
      expect(await schedules.elect('B', LONG)).toBe(false);
      await waitFor(() => schedules.elect('B', LONG), 'B to take the lease', 3000, 10);
      expect(Date.now()).toBeGreaterThanOrEqual(renewedFrom + 400);
      expect(await schedules.elect('A', LONG)).toBe(false);
    });

    it('resign frees the lease at once, for its holder only', async () => {
      const { schedules } = await open();
      expect(await schedules.elect('A', LONG)).toBe(true);
      await schedules.resign('B');
      expect(await schedules.elect('B', LONG)).toBe(false);
      await schedules.resign('A');
      expect(await schedules.elect('B', LONG)).toBe(true);
      expect(await schedules.claim('A', 's', null, state(2000, 1000), [])).toBe('not-leader');
      expect(await schedules.claim('B', 's', null, state(2000, 1000), [])).toBe('claimed');
    });
  });
});
