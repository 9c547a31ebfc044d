/**
 * Priorities. Ours: 0 to 9, a higher number is fetched first. Celery on Redis: 0 to 9, a
 * LOWER number is fetched first, in four buckets (kombu's `priority_steps` 0, 3, 6, 9),
 * each a list of its own: `q` (0-2), `q\x06\x163` (3-5), `q\x06\x166` (6-8), `q\x06\x169` (9).
 */
export const CELERY_PRIORITY_STEPS = [0, 3, 6, 9] as const;
export const KOMBU_SEPARATOR = '\x06\x16';

/**
 * Our priority (9 first) as Celery's (0 first): p becomes 9 - p. None (ours is 0 by default)
 * stays none, which is Celery's default (0, the first list), as a Python producer sends it.
 */
export function toCeleryPriority(ours: number | undefined): number | undefined {
  return ours === undefined || ours === 0 ? undefined : 9 - ours;
}

/** Celery's priority (0 first) as ours (9 first). */
export function fromCeleryPriority(celery: unknown): number | undefined {
  if (typeof celery !== 'number' || !Number.isFinite(celery)) return undefined;
  return 9 - Math.max(0, Math.min(9, Math.trunc(celery)));
}

/** kombu's bucket of a Celery priority: the largest step not above it. */
export function celeryPriorityBucket(celery: number | undefined): number {
  const p = celery === undefined || !Number.isFinite(celery) ? 0 : Math.max(0, Math.min(9, Math.trunc(celery)));
  let bucket = 0;
  for (const step of CELERY_PRIORITY_STEPS) if (step <= p) bucket = step;
  return bucket;
}

/** The list names of a queue, in the order a worker pops them (bucket 0 first). */
export function celeryQueueLists(queue: string): string[] {
  return CELERY_PRIORITY_STEPS.map((step) => celeryListFor(queue, step));
}

/** The list a message of this Celery priority is pushed to. */
export function celeryListFor(queue: string, celeryPriority: number | undefined): string {
  const bucket = celeryPriorityBucket(celeryPriority);
  return bucket === 0 ? queue : `${queue}${KOMBU_SEPARATOR}${bucket}`;
}
