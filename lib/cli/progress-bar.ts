/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal (so pipes
 * and logs stay clean). `update()` redraws at most every 50 ms; `done()` clears it.
 */
export class ProgressBar {
  private readonly enabled: boolean;
  private lastDraw = 0;
  private drawn = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly width = 28,
  ) {
    this.enabled = stream.isTTY === true && process.env.NEST_TASKS_NO_PROGRESS === undefined;
  }

  /** `current` of `total` done; `detail` is printed after the bar. */
  update(current: number, total: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 50 && current < total) return;
    this.lastDraw = now;
    const ratio = total > 0 ? Math.min(1, Math.max(0, current / total)) : 0;
    const filled = Math.round(ratio * this.width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(this.width - filled)}`;
    const seconds = ((now - this.startedAt) / 1000).toFixed(1);
    this.stream.write(`\r\x1b[2K${this.label} ${bar} ${Math.round(ratio * 100)}% ${detail} ${seconds}s`);
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
