/**
 * How one run of a task is aborted from outside. The task's `AbortSignal` is made
 * only when the task asks for it (most never do): one AbortController per task is a
 * measurable cost on the hot path.
 */
export class RunAbort {
  private controller?: AbortController;
  private abortReason?: { reason: unknown };
  private stopReason?: { reason: unknown };
  private readonly stopListeners: Array<(reason: unknown) => void> = [];

  /** The task's signal (`currentTask().signal`). */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason.reason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** Aborts the task's signal and nothing else: the soft time limit, which lets the task clean up. */
  abortSignal(reason: unknown): void {
    if (this.abortReason) return;
    this.abortReason = { reason };
    this.controller?.abort(reason);
  }

  /** Aborts the signal and stops waiting for the task: terminate, the time limit, shutdown. */
  stop(reason: unknown): void {
    this.abortSignal(reason);
    if (this.stopReason) return;
    this.stopReason = { reason };
    for (const listener of this.stopListeners.splice(0)) listener(reason);
  }

  /** Calls `listener` once when the run is stopped (at once if it already was); returns its remover. */
  onStop(listener: (reason: unknown) => void): () => void {
    if (this.stopReason) {
      listener(this.stopReason.reason);
      return () => undefined;
    }
    this.stopListeners.push(listener);
    return () => {
      const at = this.stopListeners.indexOf(listener);
      if (at >= 0) this.stopListeners.splice(at, 1);
    };
  }
}
