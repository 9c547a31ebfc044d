import { BeforeApplicationShutdown, Injectable, type MessageEvent } from '@nestjs/common';
import { Observable, type Subscriber } from 'rxjs';
import { TaskEventTail } from '../monitoring/events/task-event-tail';

const KEEPALIVE_MS = 15_000;

/**
 * The dashboard's server-sent events: each batch of events from the stream, and a
 * keep-alive. Open streams are ended before the HTTP server closes, so that
 * `app.close()` does not wait on them.
 */
@Injectable()
export class DashboardEventStream implements BeforeApplicationShutdown {
  private readonly open = new Set<Subscriber<MessageEvent>>();

  constructor(private readonly tail: TaskEventTail) {}

  stream(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      this.open.add(subscriber);
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      this.tail
        .subscribe((events) => subscriber.next({ data: events }))
        .then((stop) => (closed ? stop() : (unsubscribe = stop)))
        .catch((error: Error) => subscriber.error(error));
      const keepAlive = setInterval(() => subscriber.next({ type: 'keepalive', data: '' }), KEEPALIVE_MS);
      return () => {
        closed = true;
        clearInterval(keepAlive);
        unsubscribe?.();
        this.open.delete(subscriber);
      };
    });
  }

  beforeApplicationShutdown(): void {
    for (const subscriber of [...this.open]) subscriber.complete();
  }
}
