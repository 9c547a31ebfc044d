import { Injectable } from '@nestjs/common';
import { Task, TaskClient, TaskWorker } from '../../lib';
import { createApp } from '../support/apps';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/** The first example of docs/workflows.md (chain, group and chord of three steps), as written there. */
@Injectable()
export class ReportTasks {
  @Task() async taskA(): Promise<number> { return 1; }
  @Task() async taskB(previous?: number): Promise<number> { return (previous ?? 0) + 2; }
  @Task() async taskC(previous?: number): Promise<number> { return (previous ?? 0) + 3; }
  @Task() async aggregateResults(results: number[]): Promise<number> {
    return results.reduce((sum, n) => sum + n, 0);
  }
}

@Injectable()
export class Reports {
  constructor(private readonly tasks: TaskClient) {}

  async run(): Promise<[number, number[], number]> {
    const a = this.tasks.signature(ReportTasks, 'taskA');
    const b = this.tasks.signature(ReportTasks, 'taskB');
    const c = this.tasks.signature(ReportTasks, 'taskC');

    // Sequential: A → B → C (each result is prepended to the next step's arguments)
    const last = await this.tasks.chain(a, b, c).applyAsync();
    // Parallel: A, B, C run simultaneously
    const group = await this.tasks.group(a, b, c).applyAsync();
    // Fan-out / fan-in: parallel tasks, then aggregate
    const total = await this.tasks.chord([a, b, c], this.tasks.signature(ReportTasks, 'aggregateResults')).applyAsync();
    return [await last.get({ timeout: 10_000 }), await group.get({ timeout: 10_000 }), await total.get({ timeout: 10_000 })];
  }
}

describe("the article's Task Chaining examples", () => {
  it.each([
    ['Redis', () => ({ broker: testRedisUrl(), prefix: uniquePrefix('article') }), true],
    ['eager mode', () => ({ eager: true }), false],
  ])('run as the README shows on %s', async (_name, options, worker) => {
    const app = await createApp(options(), [ReportTasks, Reports]);
    try {
      if (worker) await app.get(TaskWorker).start({ concurrency: 3 });
      await expect(app.get(Reports).run()).resolves.toEqual([6, [1, 2, 3], 6]);
    } finally {
      await app.close();
    }
  });
});
