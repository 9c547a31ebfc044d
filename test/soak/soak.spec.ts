import { formatReport, runSoak } from './soak';

/**
 * The chaos soak (test/soak/soak.ts), short: 5,000 tasks of every kind over 4 worker
 * processes, 2 of them SIGKILLed (and replaced), 1 Redis restart (appendonly,
 * appendfsync always), 1 CLIENT KILL TYPE normal round. `npm run soak` is the long one.
 */
describe('chaos soak (short)', () => {
  it('loses nothing: every task final with its computed result, chord callbacks sent once, nothing left queued or leased, no worker stuck', async () => {
    const lines: string[] = [];
    const report = await runSoak({
      tasks: 5000,
      durationMs: 20_000,
      workers: 4,
      concurrency: 16,
      killEveryMs: [3000, 6000],
      maxKills: 2,
      redisRestarts: 1,
      clientKillRounds: 1,
      settleTimeoutMs: 60_000,
      log: (line) => lines.push(line),
    });
    const summary = `${lines.join('\n')}\n${formatReport(report)}`;
    if (process.env.SOAK_VERBOSE) process.stdout.write(`${summary}\n`);
    // Every invariant, with the run's log (and seed) when one broke.
    expect({ problems: report.problems, summary }).toEqual({ problems: [], summary });
    expect(report.kills).toBe(2);
    expect(report.redisRestarts).toBe(1);
    expect(report.clientKillRounds).toBe(1);
    expect(report.succeeded + report.failedAsMeant).toBeGreaterThan(0);
    expect(report.chords).toBeGreaterThan(0);
  }, 150_000);
});
