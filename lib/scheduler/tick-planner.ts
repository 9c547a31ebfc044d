import type { CatchUpMode, ScheduleState } from '../config/schedules/schedule-definition';
import type { Timing } from '../config/schedules/schedule-timing';

export interface TickPlanInput {
  timing: Timing;
  /** What the store holds for the schedule, if anything. */
  state: ScheduleState | undefined;
  now: number;
  enabled: boolean;
  catchUp: CatchUpMode;
  /** A tick later than this (ms) counts as missed rather than late. */
  misfireGrace: number;
  /** Most ticks sent in one plan; the rest follow in the next one. */
  maxFires: number;
}

/** The ticks to send now and the state to store with them (atomically). */
export interface TickPlan {
  fires: number[];
  state: ScheduleState;
}

/**
 * Decides which ticks of one schedule to send at `now`. Null when nothing is due.
 *
 * - A schedule seen for the first time (or whose timing changed) starts at its next tick after now.
 * - Ticks late by at most `misfireGrace` are sent, each once (a leader change loses nothing).
 * - Older ticks were missed (an outage): `'all'` sends each, `'last'` sends the most recent one
 *   unless a late tick is sent anyway, `'none'` sends none.
 * - A disabled schedule moves on without sending.
 */
export function planTicks(input: TickPlanInput): TickPlan | null {
  const { timing, state, now, enabled, catchUp, misfireGrace, maxFires } = input;
  if (!state || state.spec !== timing.spec) {
    return { fires: [], state: { next: timing.nextAfter(now), last: state?.last ?? null, spec: timing.spec } };
  }
  if (state.next > now) return null;
  const anchor = state.next;
  const moveOn = (fires: number[]): TickPlan => {
    const full = fires.length >= maxFires;
    const next = full ? timing.nextAfter(fires[fires.length - 1], anchor) : timing.nextAfter(now, anchor);
    const last = fires.length > 0 ? fires[fires.length - 1] : state.last;
    return { fires, state: { next, last, spec: state.spec } };
  };
  if (!enabled) return moveOn([]);
  if (catchUp === 'all') return moveOn(timing.between(state.next, now, maxFires, anchor));
  const lateFrom = Math.max(state.next, now - misfireGrace);
  const late = timing.between(lateFrom, now, maxFires, anchor);
  if (late.length > 0 || catchUp === 'none') return moveOn(late);
  const missed = timing.lastAtOrBefore(lateFrom - 1, anchor);
  return moveOn(missed !== null && missed >= state.next ? [missed] : []);
}
