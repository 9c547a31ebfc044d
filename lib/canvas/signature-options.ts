import { validateSendOptions, type SendOptions } from '../dispatch/send-options';
import { TaskConfigError } from '../errors';
import { assertBoolean, toTimestamp } from '../utils/validate';
import type { StepOptions } from '../serialization/workflow-spec';
import type { Workflow } from './workflow';

/** Options of a signature: `.set({...})`, or `applyAsync({...})` on a signature. */
export interface SignatureOptions extends Omit<SendOptions, 'uniqueKey' | 'uniqueTtl' | 'debounce'> {
  /** Ignore the parent's result: the step runs with its own arguments only. */
  immutable?: boolean;
  /** Workflows to run after success, the result prepended to their arguments. */
  link?: Workflow | readonly Workflow[];
  /** Workflows to run after failure or revoke, a WorkflowFailure prepended to their arguments. */
  linkError?: Workflow | readonly Workflow[];
}

/** Checks options given to a signature; throws TaskConfigError naming the bad one. */
export function validateSignatureOptions(options: SignatureOptions): void {
  validateSendOptions(options);
  assertBoolean('immutable', options.immutable);
  for (const key of ['uniqueKey', 'uniqueTtl'] as const) {
    const value = (options as SendOptions)[key];
    if (value !== undefined) {
      throw new TaskConfigError(key, value, 'nothing: a workflow step has a fixed id, which already makes it run once');
    }
  }
  const debounce = (options as SendOptions).debounce;
  if (debounce !== undefined) throw new TaskConfigError('debounce', debounce, 'nothing: a workflow step has a fixed id and runs once');
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
export function toSendOptions(step: StepOptions | undefined, taskId: string): SendOptions {
  const { expiresAt, expires, ...rest } = step ?? {};
  const options: SendOptions = { ...rest, taskId };
  if (expiresAt !== undefined) options.expires = new Date(expiresAt);
  else if (expires !== undefined) options.expires = expires;
  return options;
}
