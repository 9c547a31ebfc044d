import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';
import { probe } from '../child/probe';

export const BENCH_QUEUE = 'bench';
/** The `keys` variant: tasks spread over this many concurrency keys, each of this limit. */
export const BENCH_KEYS = 100;
export const BENCH_KEY_LIMIT = 5;

/** The bench's tasks for nestjs-tasks: noop bodies that only tell the probe they ran. */
@Injectable()
export class BenchTasks {
  @Task({ name: 'bench.noop', queue: BENCH_QUEUE })
  noop(_i: number): void {
    probe.hit();
  }

  /** The noop of the `keys` variant: at most BENCH_KEY_LIMIT of one key at a time, over BENCH_KEYS keys. */
  @Task({ name: 'bench.keyed', queue: BENCH_QUEUE, concurrency: { limit: BENCH_KEY_LIMIT, key: (i: number) => `k${i % BENCH_KEYS}` } })
  keyed(_i: number): void {
    probe.hit();
  }

  @Task({ name: 'bench.timed', queue: BENCH_QUEUE })
  timed(index: number, sentAt: number): void {
    probe.started(index, sentAt);
  }
}
