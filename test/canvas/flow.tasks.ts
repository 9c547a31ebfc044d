import { Injectable } from '@nestjs/common';
import { currentTask, Task, type WorkflowFailure } from '../../lib';

/** Tasks for the workflow suites. Each app has its own instance: sum the counters over apps. */
@Injectable()
export class FlowTasks {
  /** Runs per task method. */
  readonly calls = new Map<string, number>();
  /** Arguments each `total` run received. */
  readonly totals: number[][] = [];

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  @Task()
  add(a: number, b: number): number {
    this.count('add');
    return a + b;
  }

  @Task()
  mul(a: number, b: number): number {
    this.count('mul');
    return a * b;
  }

  /** The parent's result comes first: `label(parent, prefix)`. */
  @Task()
  label(value: unknown, prefix: string): string {
    this.count('label');
    return `${prefix}:${JSON.stringify(value)}`;
  }

  /** Typed follow-up: in a chain, `text` is the parent's result. */
  @Task()
  repeat(text: string, times: number): string {
    this.count('repeat');
    return text.repeat(times);
  }

  @Task({ maxRetries: 0 })
  fail(_value: unknown, message: string): never {
    this.count('fail');
    throw new TypeError(message);
  }

  /** The article's aggregate_results. */
  @Task()
  total(values: number[]): number {
    this.count('total');
    this.totals.push(values);
    return values.reduce((sum, value) => sum + value, 0);
  }

  @Task()
  echo(...args: unknown[]): unknown[] {
    this.count('echo');
    return args;
  }

  /** An errback: what it got, to read from its result. */
  @Task()
  inspect(failure: WorkflowFailure, tag: string): { tag: string; failure: WorkflowFailure } {
    this.count('inspect');
    return { tag, failure };
  }

  /** Fails on its first run, then succeeds: a retry must not move the workflow on. */
  @Task({ maxRetries: 2, retryDelay: 20, retryJitter: false })
  flaky(value: number): number {
    this.count('flaky');
    if (currentTask().retries === 0) throw new Error('first attempt fails');
    return value + 1000;
  }

  @Task({ maxRetries: 0 })
  async sleep(ms: number): Promise<number> {
    this.count('sleep');
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  }

  /** A result of `size` characters. */
  @Task()
  big(size: number): string {
    this.count('big');
    return 'x'.repeat(size);
  }
}
