/**
 * The value as it will read after its JSON trip (Dates become strings, undefined
 * becomes null), and its size as JSON in bytes, counted only when it may pass `limit`.
 * `text`: an object's JSON, written on the way (the result store keeps it as it is).
 */
export function toJson(value: unknown, limit: number): { json: unknown; bytes: number; text?: string } {
  if (value === undefined || value === null) return { json: null, bytes: 4 };
  if (typeof value === 'string') return { json: value, bytes: value.length * 3 + 2 <= limit ? 0 : Buffer.byteLength(JSON.stringify(value)) };
  if (typeof value !== 'object') return { json: value, bytes: 0 };
  const text = JSON.stringify(value);
  return { json: JSON.parse(text), bytes: text.length * 3 <= limit ? 0 : Buffer.byteLength(text), text };
}
