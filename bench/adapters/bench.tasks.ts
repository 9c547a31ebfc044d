import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';
import { probe } from '../child/probe';

export const BENCH_QUEUE = 'bench';

/** The bench's tasks for nestjs-tasks: noop bodies that only tell the probe they ran. */
@Injectable()
export class BenchTasks {
  @Task({ name: 'bench.noop', queue: BENCH_QUEUE })
  noop(_i: number): void {
    probe.hit();
  }

  @Task({ name: 'bench.timed', queue: BENCH_QUEUE })
  timed(index: number, sentAt: number): void {
    probe.started(index, sentAt);
  }
}
