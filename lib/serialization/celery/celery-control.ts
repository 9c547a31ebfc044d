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
    const envelope = JSON.parse(raw) as { body?: unknown; properties?: { body_encoding?: unknown } };
    if (typeof envelope.body !== 'string') return null;
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
