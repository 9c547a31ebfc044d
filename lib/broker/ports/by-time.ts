import type { StoredEvent } from './stored-event';

/**
 * Events given newest first (as scanned), returned oldest first by event time; ties keep
 * the stream's order. The producer's `sent` comes first whatever its time: it may be
 * stamped after the publish, when a fast worker has already received the task.
 */
export function byTime(events: StoredEvent[]): StoredEvent[] {
  return events
    .map((event, i) => ({ event, i }))
    .sort((a, b) => compareEvents(a.event, b.event) || b.i - a.i)
    .map(({ event }) => event);
}

/** Orders two events of one task: the producer's `sent` first, then by time. */
export function compareEvents(a: StoredEvent, b: StoredEvent): number {
  const key = (event: StoredEvent) => (event.type === 'sent' && !event.reason ? -Infinity : event.at);
  const ka = key(a);
  const kb = key(b);
  return ka === kb ? 0 : ka - kb;
}
