import { TaskConfigError } from '../errors';
import { assertInteger } from '../utils/validate';

/** Largest `batch.size`. */
export const MAX_BATCH_SIZE = 10_000;

/** Options that cannot apply to a batch task, and why. */
const EXCLUSIVE: ReadonlyArray<readonly [string, string]> = [
  ['rateLimit', 'a rate limit meters the start of one message; a batch starts many at once'],
  ['kwargs', 'a batch method receives positional argument lists only'],
  ['acksLate', 'batch messages are held while the batch fills, so they are acknowledged after the run'],
  ['concurrency', "a run mixes many messages' keys, and messages held while a batch fills would hold their keys' slots"],
];

/** Throws TaskConfigError for a bad `batch` option, or one combined with options that cannot apply. */
export function validateBatchOptions(options: { batch?: unknown } & Record<string, unknown>, where: string): void {
  const batch = options.batch;
  if (batch === undefined) return;
  const at = `${where}.batch`;
  if (batch === null || typeof batch !== 'object') throw new TaskConfigError(at, batch, '{ size, wait }');
  const { size, wait } = batch as Record<string, unknown>;
  if (size === undefined) throw new TaskConfigError(`${at}.size`, size, `an integer from 1 to ${MAX_BATCH_SIZE}`);
  assertInteger(`${at}.size`, size, 1, MAX_BATCH_SIZE);
  if (typeof wait !== 'number' || !Number.isFinite(wait) || wait <= 0) {
    throw new TaskConfigError(`${at}.wait`, wait, 'a positive number of milliseconds');
  }
  for (const [option, why] of EXCLUSIVE) {
    const value = options[option];
    const refused = option === 'acksLate' ? value === false : value !== undefined && value !== false;
    if (refused) throw new TaskConfigError(`${where}.${option}`, value, `nothing with batch (${why})`);
  }
}
