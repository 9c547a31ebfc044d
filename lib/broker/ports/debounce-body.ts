import { NestTasksError } from '../../errors';

/**
 * An encoded message cut around its id, so that a backend can store it under another
 * id (the debounce window's): `head + otherId + tail`. The id is the first `"id":"…"`
 * of the body (encodeMessage writes `v`, then `id`); ids given to debounced messages are
 * generated UUIDs, which need no JSON escaping.
 */
export function splitAtId(body: string, id: string): { head: string; tail: string } {
  const field = `"id":${JSON.stringify(id)}`;
  const at = body.indexOf(field);
  if (at < 0 || JSON.stringify(id) !== `"${id}"`) throw new NestTasksError(`The message body does not name its id ${id}`);
  const start = at + '"id":"'.length;
  return { head: body.slice(0, start), tail: body.slice(start + id.length) };
}

