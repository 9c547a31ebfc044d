import type { ApplyOptions } from '../client/apply-options';
import { validateApplyOptions } from '../client/message-builder';
import { TaskConfigError } from '../errors';
import { assertBoolean, toTimestamp } from '../utils/validate';
import type { StepOptions } from '../serialization/workflow-spec';

/** Options of a signature: `.set({...})`, or `applyAsync({...})` on a signature. */
export interface SignatureOptions extends Omit<ApplyOptions, 'uniqueKey' | 'uniqueTtl'> {
  /** Ignore the parent's result: the step runs with its own arguments only. */
  immutable?: boolean;
}

/** Checks options given to a signature; throws TaskConfigError naming the bad one. */
export function validateSignatureOptions(options: SignatureOptions): void {
  validateApplyOptions(options);
  assertBoolean('immutable', options.immutable);
  for (const key of ['uniqueKey', 'uniqueTtl'] as const) {
    const value = (options as ApplyOptions)[key];
    if (value !== undefined) {
      throw new TaskConfigError(key, value, 'nothing: a workflow step has a fixed id, which already makes it run once');
    }
  }
}

/** Later options over earlier ones; countdown and eta replace each other. */
export function mergeSignatureOptions(base: SignatureOptions, next: SignatureOptions): SignatureOptions {
  const merged: SignatureOptions = { ...base, ...next };
  if (next.countdown !== undefined) delete merged.eta;
  if (next.eta !== undefined) delete merged.countdown;
  delete merged.link;
  delete merged.linkError;
  return merged;
}

/** The per-step options as data (a Date becomes a timestamp). */
export function toStepOptions(options: SignatureOptions): StepOptions | undefined {
  const step: StepOptions = {};
  if (options.countdown !== undefined) step.countdown = options.countdown;
  if (options.eta !== undefined) step.eta = toTimestamp('eta', options.eta);
  if (options.expires instanceof Date) step.expiresAt = options.expires.getTime();
  else if (options.expires !== undefined) step.expires = options.expires;
  if (options.queue !== undefined) step.queue = options.queue;
  if (options.priority !== undefined) step.priority = options.priority;
  if (options.maxRetries !== undefined) step.maxRetries = options.maxRetries;
  if (options.ignoreResult !== undefined) step.ignoreResult = options.ignoreResult;
  if (options.resultExpires !== undefined) step.resultExpires = options.resultExpires;
  return Object.keys(step).length > 0 ? step : undefined;
}

/** What MessageBuilder takes for a step when it is sent. */
export function toApplyOptions(step: StepOptions | undefined, taskId: string): ApplyOptions {
  const { expiresAt, expires, ...rest } = step ?? {};
  const options: ApplyOptions = { ...rest, taskId };
  if (expiresAt !== undefined) options.expires = new Date(expiresAt);
  else if (expires !== undefined) options.expires = expires;
  return options;
}
