import type { AsyncResult } from '../results/async-result';
import { assertWorkflows, FreezeContext, resultIdOf } from './freeze';
import { mergeSignatureOptions, toStepOptions, validateSignatureOptions, type SignatureOptions } from './signature-options';
import { Workflow, type WorkflowRunner } from './workflow';
import type { StepTaskOptions, TaskSpec } from '../serialization/workflow-spec';

/**
 * One task call with its arguments (all, or the leading ones) and options, to run
 * later: on its own, as a step of a chain, group or chord, or as a callback.
 * Immutable: `set`, `immutable`, `link` and `linkError` return a new signature.
 */
export class Signature<R = unknown> extends Workflow<R> {
  /** @internal Made by TaskClient.signature(). */
  constructor(
    private readonly runner: WorkflowRunner,
    readonly task: string,
    readonly args: readonly unknown[],
    private readonly taskOptions: StepTaskOptions,
    readonly options: Readonly<SignatureOptions> = {},
    private readonly callbacks: readonly Workflow[] = [],
    private readonly errbacks: readonly Workflow[] = [],
  ) {
    super();
  }

  /** True when the parent's result is not prepended to the arguments. */
  get isImmutable(): boolean {
    return this.options.immutable === true;
  }

  /** A copy with these options over the current ones: countdown, eta, expires, queue, priority, taskId, immutable, ... */
  set(options: SignatureOptions): Signature<R> {
    validateSignatureOptions(options);
    const callbacks = options.link === undefined ? this.callbacks : [...this.callbacks, ...assertWorkflows('link', options.link)];
    const errbacks = options.linkError === undefined ? this.errbacks : [...this.errbacks, ...assertWorkflows('linkError', options.linkError)];
    return new Signature<R>(this.runner, this.task, this.args, this.taskOptions, mergeSignatureOptions(this.options, options), callbacks, errbacks);
  }

  /** A copy that ignores the parent's result (Celery's `si()`). */
  immutable(): Signature<R> {
    return this.set({ immutable: true });
  }

  /** A copy that runs `callbacks` after success, each with this task's result prepended (unless immutable). */
  link(...callbacks: Workflow[]): Signature<R> {
    return this.set({ link: callbacks });
  }

  /** A copy that runs `errbacks` after failure or revoke, each with a WorkflowFailure prepended (unless immutable). */
  linkError(...errbacks: Workflow[]): Signature<R> {
    return this.set({ linkError: errbacks });
  }

  /** Sends the task with its own arguments. */
  delay(): Promise<AsyncResult<R>> {
    return this.applyAsync();
  }

  /** Sends the task with these options over the signature's. */
  async applyAsync(options: SignatureOptions = {}): Promise<AsyncResult<R>> {
    const spec = this.set(options).toSpec(new FreezeContext());
    await this.runner.start(spec);
    return this.runner.result<R>(resultIdOf(spec));
  }

  /** @internal */
  toSpec(context: FreezeContext): TaskSpec {
    const spec: TaskSpec = { kind: 'task', id: context.id(this.options.taskId), task: this.task, args: [...this.args] };
    const options = toStepOptions(this.options);
    if (options) spec.options = options;
    if (Object.keys(this.taskOptions).length > 0) spec.taskOptions = { ...this.taskOptions };
    if (this.isImmutable) spec.immutable = true;
    if (this.callbacks.length > 0) spec.link = this.callbacks.map((w) => w.toSpec(context));
    if (this.errbacks.length > 0) spec.linkError = this.errbacks.map((w) => w.toSpec(context));
    return spec;
  }

  override toString(): string {
    return `${this.task}(${this.args.map((a) => JSON.stringify(a)).join(', ')})`;
  }
}
