import type { PendingFire, ScheduleState } from '../../config/schedules/schedule-definition';

/** The stored form of a state; compared as a whole string when claiming. */
export function encodeState(state: ScheduleState): string {
  return JSON.stringify({ next: state.next, last: state.last, spec: state.spec });
}

export function decodeState(raw: string): ScheduleState | null {
  try {
    const value = JSON.parse(raw) as Partial<ScheduleState>;
    if (typeof value.next !== 'number' || typeof value.spec !== 'string') return null;
    return { next: value.next, last: typeof value.last === 'number' ? value.last : null, spec: value.spec };
  } catch {
    return null;
  }
}

export function decodePending(raw: string): PendingFire | null {
  try {
    const value = JSON.parse(raw) as PendingFire;
    if (typeof value.id !== 'string' || typeof value.task !== 'string' || !Array.isArray(value.args)) return null;
    return value;
  } catch {
    return null;
  }
}
