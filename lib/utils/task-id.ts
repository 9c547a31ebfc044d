import { randomFillSync } from 'node:crypto';

/** The characters of a task id (base64url's), in the order of their index. */
export const TASK_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
export const TASK_ID_LENGTH = 22;
/** How many buckets a Redis queue's stored messages are spread over (see messageBucket). */
export const MESSAGE_BUCKETS = 1024;
/**
 * Consecutive ids of one process share a bucket, so that a fetch's bodies lie in a few. Short
 * runs keep the buckets short: Redis finds a field of a listpack by scanning it from the
 * front, and a fetch reads its run of ids in order, so a lookup passes half a run on average.
 */
export const BUCKET_RUN = 16;

const POOL_SIZE = TASK_ID_LENGTH * 512;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
let issued = Math.floor(Math.random() * MESSAGE_BUCKETS) * BUCKET_RUN;
const ALPHABET_CODES = Buffer.from(TASK_ID_ALPHABET, 'latin1');

/**
 * A new task id: 22 URL-safe characters, 122 random bits (as many as a UUID's) and, in the
 * last two characters, the bucket its message is stored in (messageBucket). The bucket
 * changes every BUCKET_RUN ids this process makes.
 */
export function newTaskId(): string {
  if (poolOffset + TASK_ID_LENGTH > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  const end = start + TASK_ID_LENGTH;
  const bucket = Math.floor(issued++ / BUCKET_RUN) % MESSAGE_BUCKETS;
  // The random bytes become the id's characters in place, read as one string (not 22 joined).
  for (let i = start; i < end - 2; i++) pool[i] = ALPHABET_CODES[pool[i] & 63];
  // The next-to-last character: 2 random bits, then the bucket's high 4 bits.
  pool[end - 2] = ALPHABET_CODES[(pool[end - 2] & 0x30) | (bucket >> 6)];
  pool[end - 1] = ALPHABET_CODES[bucket & 63];
  poolOffset = end;
  return pool.toString('latin1', start, end);
}

/** A character's index in TASK_ID_ALPHABET; for any other character, its code modulo 64. */
function charIndex(code: number): number {
  if (code >= 97) return code <= 122 ? code - 71 : code % 64;
  if (code >= 65) return code <= 90 ? code - 65 : code === 95 ? 63 : code % 64;
  if (code >= 48) return code <= 57 ? code + 4 : code % 64;
  return code === 45 ? 62 : code % 64;
}

/**
 * The bucket (0 to MESSAGE_BUCKETS - 1) a Redis queue stores the message of `id` in: read
 * from the last two bytes of its UTF-8, whatever the id (a caller's taskId, a UUID). The
 * same function is `bucketOf` in lib/broker/redis/scripts/includes/queue-helpers.lua.
 */
export function messageBucket(id: string): number {
  const n = id.length;
  if (n === 0) return 0;
  let last = id.charCodeAt(n - 1);
  let before = n > 1 ? id.charCodeAt(n - 2) : -1;
  if (last >= 0x80 || before >= 0x80) {
    // The last two bytes come from the last two code points at most: four UTF-16 units.
    const bytes = Buffer.from(id.slice(-4), 'utf8');
    last = bytes[bytes.length - 1];
    before = bytes.length > 1 ? bytes[bytes.length - 2] : -1;
  }
  return before < 0 ? charIndex(last) : (charIndex(before) % 16) * 64 + charIndex(last);
}
