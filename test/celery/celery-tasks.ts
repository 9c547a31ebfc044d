import { Injectable } from '@nestjs/common';
import IORedis from 'ioredis';
import { Task, currentTask } from '../../lib';

/** A task's own error class: its name reaches Python's AsyncResult.get(). */
export class PaymentDeclinedError extends Error {
  override name = 'PaymentDeclinedError';
}

/** Tasks a Nest worker runs for Python producers, under Python names. */
@Injectable()
export class BillingTasks {
  /** The suite's redis-server, for the tasks that leave marks. */
  static redisUrl = process.env.REDIS_URL ?? '';
  private redis?: IORedis;

  private marks(): IORedis {
    return (this.redis ??= new IORedis(BillingTasks.redisUrl, { maxRetriesPerRequest: 1 }));
  }

  /** Returns when it ran (ms) and leaves the same mark in `node:marks`. */
  @Task({ name: 'billing.now' })
  async now(): Promise<number> {
    const at = Date.now();
    await this.marks().rpush('node:marks', String(at));
    return at;
  }

  @Task({ name: 'billing.charge', kwargs: true })
  charge(account: string, cents: number): { account: string; cents: number; currency: unknown; by: string } {
    const { currency = 'EUR' } = currentTask().kwargs;
    return { account, cents, currency, by: 'node' };
  }

  @Task({ name: 'billing.add' })
  add(a: number, b: number): number {
    return a + b;
  }

  /** Acknowledged at start (acksLate: false), like a Celery task without acks_late. */
  @Task({ name: 'billing.early', acksLate: false })
  early(a: number): number {
    return a * 2;
  }

  @Task({ name: 'billing.echo' })
  echo(...args: unknown[]): unknown[] {
    return args;
  }

  @Task({ name: 'billing.refuse', maxRetries: 0 })
  refuse(reason: string): never {
    throw new PaymentDeclinedError(reason);
  }

  /** Asks for a retry until its third run, then returns the retries it saw. */
  @Task({ name: 'billing.flaky', maxRetries: 5 })
  flaky(): number {
    const task = currentTask();
    if (task.retries < 2) task.retry({ countdown: 50 });
    return task.retries;
  }

  /** Marks that it started (RPUSH `<key>:started node`), runs until `<key>:go` exists (at most `seconds`), returns who ran it. */
  @Task({ name: 'shared.slow' })
  async slow(key: string, seconds: number): Promise<string> {
    await this.marks().rpush(`${key}:started`, 'node');
    const deadline = Date.now() + seconds * 1000;
    while (Date.now() < deadline && !(await this.marks().exists(`${key}:go`))) await new Promise((resolve) => setTimeout(resolve, 50));
    return 'node';
  }

  close(): void {
    this.redis?.disconnect();
  }
}
