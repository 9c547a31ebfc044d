/**
 * kombu's JSON tags values that JSON has no type for: `{"__type__": "datetime", "__value__": "..."}`
 * (also date, time, uuid, decimal, bytes). They arrive here as their plain value: an ISO
 * string for the times, the text for uuid and decimal, the string for bytes.
 */
export function untagKombu(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(untagKombu);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  if (keys.length === 2 && typeof object.__type__ === 'string' && '__value__' in object) {
    const inner = object.__value__;
    return typeof inner === 'string' || typeof inner === 'number' ? String(inner) : untagKombu(inner);
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = untagKombu(object[key]);
  return out;
}
