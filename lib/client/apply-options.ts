import type { Workflow } from '../canvas/workflow';
import type { SendOptions } from '../dispatch/send-options';

/** Per-call options of `applyAsync` and `send`. */
export interface ApplyOptions extends SendOptions {
  /** Workflows to run after success, the result prepended to their arguments (signatures, chains, groups, chords). */
  link?: Workflow | readonly Workflow[];
  /** Workflows to run after failure or revoke, a WorkflowFailure prepended to their arguments. */
  linkError?: Workflow | readonly Workflow[];
}
