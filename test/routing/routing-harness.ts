import { TestResources, type WorkerProcess } from '../support/test-resources';
export { sleep, waitFor } from '../support/wait';

/** Smallest gap between consecutive times (sorted first). */
export function minGap(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let min = Infinity;
  for (let i = 1; i < sorted.length; i++) min = Math.min(min, sorted[i] - sorted[i - 1]);
  return min;
}

/** Most times that fall in any window [t, t + windowMs) starting at one of them. */
export function mostInWindow(times: number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && sorted[j] < sorted[i] + windowMs) j++;
    most = Math.max(most, j - i);
  }
  return most;
}

export type ChildWorker = WorkerProcess;

/** The suite's resources; worker processes run test/fixtures/routing-worker-main.ts. */
export class RoutingHarness extends TestResources {
  workerProcess(env: Record<string, string>): Promise<ChildWorker> {
    return this.spawnWorker('routing-worker-main', env);
  }
}
