import { PrefetchPolicy, SHORT_TASK_MS } from '../../lib/worker/run/prefetch-policy';

describe('PrefetchPolicy (adaptive, concurrency 10)', () => {
  const now = 1_000_000;
  /** A policy whose recent tasks all ran `ms` long. */
  const after = (ms: number, runs = 100) => {
    const policy = new PrefetchPolicy(10);
    for (let i = 0; i < runs; i++) policy.observe(ms);
    return policy;
  };

  it('fetches only its slots until tasks have been seen to run short, and while they run long', () => {
    expect(new PrefetchPolicy(10).fetchSize(0, undefined, now)).toBe(10);
    expect(after(20).fetchSize(0, undefined, now)).toBe(10);
    expect(after(20).fetchSize(4, undefined, now)).toBe(6);
  });

  it('learns from a smoothed average: a few short runs after long ones are not enough', () => {
    const policy = after(20);
    policy.observe(0.05);
    expect(policy.fetchSize(0, undefined, now)).toBe(10);
    for (let i = 0; i < 20; i++) policy.observe(0.05);
    expect(policy.fetchSize(0, undefined, now)).toBe(80);
  });

  it('while tasks run short, fetches eight times its slots and holds twice a fetch at most (the next leaves while one is in hand)', () => {
    const policy = after(0.05);
    expect(policy.fetchSize(0, undefined, now)).toBe(80);
    expect(policy.fetchSize(80, undefined, now)).toBe(80);
    expect(policy.fetchSize(155, undefined, now)).toBe(5);
    expect(policy.fetchSize(160, undefined, now)).toBe(0);
  });

  it('fetches only its slots again while a task runs long, and gives back what waits once one has run a second', () => {
    const policy = after(0.05);
    expect(policy.fetchSize(3, now - SHORT_TASK_MS, now)).toBe(7);
    expect(policy.holdsTooLong(now - 999, now)).toBe(false);
    expect(policy.holdsTooLong(now - 1000, now)).toBe(true);
  });

  it('a fixed prefetch is what it says, and never gives back', () => {
    const fixed = new PrefetchPolicy(10, 25);
    fixed.observe(0.05);
    expect(fixed.adaptive).toBe(false);
    expect(fixed.fetchSize(5, undefined, now)).toBe(20);
    expect(fixed.fetchSize(5, now - 5000, now)).toBe(20);
    expect(fixed.holdsTooLong(now - 5000, now)).toBe(false);
  });
});
