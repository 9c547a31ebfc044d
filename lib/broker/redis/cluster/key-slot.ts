/** The 16384 hash slots of Redis Cluster. */
export const SLOT_COUNT = 16384;

const TABLE = new Uint16Array(256);
for (let byte = 0; byte < 256; byte++) {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[byte] = crc;
}

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  return crc;
}

/** CRC16 of the characters `start`..`end` of `text`, as their bytes; -1 when one is not ASCII. */
function asciiCrc16(text: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) return -1;
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ code) & 0xff];
  }
  return crc;
}

/** The slot of a hash tag made only of ASCII characters (no braces), without allocating. */
export function asciiTagSlot(tag: string): number {
  const crc = asciiCrc16(tag, 0, tag.length);
  return crc >= 0 ? crc % SLOT_COUNT : keySlot(`{${tag}}`);
}

/**
 * The cluster slot of `key`, as `CLUSTER KEYSLOT` computes it: only the part between
 * the first `{` and the next `}` is hashed when that part is not empty.
 */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const tagged = close > open + 1;
  const crc = tagged ? asciiCrc16(key, open + 1, close) : asciiCrc16(key, 0, key.length);
  // Anything past ASCII in the hashed part is hashed as its UTF-8 bytes.
  return crc >= 0 ? crc % SLOT_COUNT : utf8KeySlot(key);
}

function utf8KeySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes, open + 1, close) % SLOT_COUNT;
  }
  return crc16(bytes, 0, bytes.length) % SLOT_COUNT;
}

/** Items grouped by the slot of their key, in their first-seen order within each group. */
export function groupBySlot<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = keySlot(keyOf(item));
    let group = groups.get(slot);
    if (!group) groups.set(slot, (group = []));
    group.push(item);
  }
  return [...groups.values()];
}
