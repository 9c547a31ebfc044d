import { TASK_ID_ALPHABET, TASK_ID_LENGTH } from '../../../utils/task-id';
import { asciiTagSlot } from './key-slot';

/** On a Cluster, a result key's hash tag is this many leading characters of the task id. */
export const ID_TAG_LENGTH = 5;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TASK_ID = new RegExp(`^[A-Za-z0-9_-]{${TASK_ID_LENGTH}}$`);
/** Per id form and slot, five leading characters whose hash tag falls in the slot. */
const prefixes = { uuid: new Map<number, string>(), short: new Map<number, string>() };

/** Five characters of the form's alphabet whose `{…}` hashes to `slot` (the first, counting up: the same in every process). */
function prefixFor(form: 'uuid' | 'short', slot: number): string {
  const known = prefixes[form].get(slot);
  if (known !== undefined) return known;
  let prefix = '';
  // A few thousand tries on average (16,384 slots), once per slot and process.
  for (let n = 0; n < 0x100000; n++) {
    const candidate = form === 'uuid' ? n.toString(16).padStart(ID_TAG_LENGTH, '0') : shortDigits(n);
    if (asciiTagSlot(candidate) === slot) {
      prefix = candidate;
      break;
    }
  }
  prefixes[form].set(slot, prefix);
  return prefix;
}

/** `n` in five characters of TASK_ID_ALPHABET, most significant first. */
function shortDigits(n: number): string {
  let out = '';
  for (let i = 0; i < ID_TAG_LENGTH; i++, n = Math.floor(n / 64)) out = TASK_ID_ALPHABET[n % 64] + out;
  return out;
}

/**
 * `id` (a generated task id, or a random UUID) with its first five characters replaced so
 * that its result key (`<prefix>:result:{<first five>}<rest>`) lies in `slot`; the rest,
 * with its random bits and its message bucket, is kept. Anything else is returned as it is.
 */
export function alignId(id: string, slot: number): string {
  const form = TASK_ID.test(id) ? 'short' : UUID.test(id) ? 'uuid' : undefined;
  if (!form) return id;
  const prefix = prefixFor(form, slot);
  return prefix === '' ? id : `${prefix}${id.slice(ID_TAG_LENGTH)}`;
}
