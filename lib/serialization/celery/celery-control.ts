import { randomUUID } from 'node:crypto';

/** A `revoke` that Celery broadcast on its pidbox (`app.control.revoke()`, `AsyncResult.revoke()`). */
export interface CeleryRevoke {
  ids: string[];
  terminate: boolean;
}

/**
 * Reads a message of Celery's remote control channel (kombu's fanout `celery.pidbox`): a
 * kombu envelope whose body is `{"method", "arguments", "destination", ...}`. Returns the
 * revoke it carries, or null for any other command (and anything unreadable).
 */
export function parseCeleryRevoke(raw: string): CeleryRevoke | null {
  try {
    const envelope = JSON.parse(raw) as { body?: unknown; headers?: { origin?: unknown }; properties?: { body_encoding?: unknown } };
    if (typeof envelope.body !== 'string') return null;
    // Our own revokes, sent to Celery's workers: ours heard them on our channel already.
    if (envelope.headers?.origin === OUR_ORIGIN) return null;
    const text = envelope.properties?.body_encoding === 'base64' ? Buffer.from(envelope.body, 'base64').toString('utf8') : envelope.body;
    const command = JSON.parse(text) as { method?: unknown; arguments?: { task_id?: unknown; terminate?: unknown } };
    if (command.method !== 'revoke' || !command.arguments) return null;
    const taskId = command.arguments.task_id;
    const ids = (Array.isArray(taskId) ? taskId : [taskId]).filter((id): id is string => typeof id === 'string' && id !== '');
    return ids.length > 0 ? { ids, terminate: command.arguments.terminate === true } : null;
  } catch {
    return null;
  }
}

const OUR_ORIGIN = 'nestjs-tasks';

/** A `revoke` broadcast as Celery's `app.control.revoke()` sends it (kombu fanout envelope, base64 JSON body). */
export function encodeCeleryRevoke({ ids, terminate }: CeleryRevoke): string {
  const body = { method: 'revoke', arguments: { task_id: ids.length === 1 ? ids[0] : ids, terminate, signal: null }, destination: null, pattern: null, matcher: null };
  return JSON.stringify({
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { clock: 1, expires: 0, origin: OUR_ORIGIN },
    properties: {
      delivery_mode: 2,
      delivery_info: { exchange: 'celery.pidbox', routing_key: '' },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
}
