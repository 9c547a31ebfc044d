import { asciiTagSlot } from './key-slot';

/** On a Cluster, a result key's hash tag is this many leading characters of the task id. */
export const ID_TAG_LENGTH = 5;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Per slot, five hex digits whose hash tag falls in it. */
const prefixes = new Map<number, string>();

/** Five hex digits whose `{…}` hashes to `slot` (the first, counting up: the same in every process). */
function prefixFor(slot: number): string {
  let prefix = prefixes.get(slot);
  if (prefix === undefined) {
    // A few thousand tries on average (16,384 slots), once per slot and process.
    for (let n = 0; n < 0x100000; n++) {
      const candidate = n.toString(16).padStart(ID_TAG_LENGTH, '0');
      if (asciiTagSlot(candidate) === slot) {
        prefix = candidate;
        break;
      }
    }
    prefixes.set(slot, (prefix ??= ''));
  }
  return prefix;
}

/**
 * `id` (a random UUID) with its first five hex digits replaced so that its result key
 * (`<prefix>:result:{<first five>}<rest>`) lies in `slot`: 102 random bits are left, and
 * it still reads as a UUID. Anything else is returned as it is.
 */
export function alignId(id: string, slot: number): string {
  if (!UUID.test(id)) return id;
  const prefix = prefixFor(slot);
  return prefix === '' ? id : `${prefix}${id.slice(ID_TAG_LENGTH)}`;
}
