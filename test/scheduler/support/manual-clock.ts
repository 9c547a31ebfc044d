import type { TaskClock } from '../../../lib';

/** A clock the test moves by hand: the scheduler reads it instead of Date.now(). */
export class ManualClock implements TaskClock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): number {
    this.current += ms;
    return this.current;
  }

  set(ms: number): void {
    this.current = ms;
  }
}
