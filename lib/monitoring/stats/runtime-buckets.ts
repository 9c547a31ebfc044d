/**
 * Runtimes are counted in log-scale buckets (each 10% wider than the one before), so
 * percentiles over any number of runs and minutes come from a few counters per minute,
 * within 5% of the true value. Bucket 0 holds runs under 1 ms.
 */
const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);

/** The bucket of a runtime in ms. */
export function runtimeBucket(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.floor(Math.log(ms) / LOG_GROWTH) + 1;
}

/** A runtime that stands for bucket `index`: the middle of its range (ms). */
export function bucketValue(index: number): number {
  if (index <= 0) return 0.5;
  const low = GROWTH ** (index - 1);
  return (low + low * GROWTH) / 2;
}

/** The `q`-quantile (0..1) of counted runtimes (bucket index -> count), or undefined when there is none. */
export function quantile(buckets: ReadonlyMap<number, number>, q: number): number | undefined {
  let total = 0;
  for (const count of buckets.values()) total += count;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const index of [...buckets.keys()].sort((a, b) => a - b)) {
    seen += buckets.get(index)!;
    if (seen >= rank) return bucketValue(index);
  }
  return undefined;
}
