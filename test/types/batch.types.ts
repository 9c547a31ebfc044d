/**
 * Type-level test of batch tasks in TaskClient, compiled (never run) by `npm run lint`
 * (tsc over test/) and by client-types.spec.ts. Every `@ts-expect-error` must be an error.
 */
import { BatchItemFailure, Task, type AsyncResult, type BatchOf, type TaskArgs, type TaskClient, type TaskReturn } from '../../lib';

class ImportTasks {
  @Task({ batch: { size: 100, wait: 1000 } })
  async handle(items: BatchOf<[userId: string, n: number]>): Promise<number[]> {
    return items.map(([, n]) => n);
  }

  @Task({ batch: { size: 10, wait: 50 } })
  check(items: BatchOf<[path: string]>): Array<{ ok: boolean } | BatchItemFailure> {
    return items.map(([path]) => (path ? { ok: true } : BatchItemFailure.of(new Error('empty path'))));
  }

  /** Not a batch: a plain list of lists stays what it is. */
  @Task()
  matrix(rows: number[][]): number {
    return rows.length;
  }
}

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

export async function batchPositive(client: TaskClient): Promise<void> {
  const one = await client.delay(ImportTasks, 'handle', 'u1', 3);
  expectType<Equals<typeof one, AsyncResult<number>>>();
  const applied = await client.applyAsync(ImportTasks, 'handle', ['u1', 3], { countdown: 10 });
  expectType<Equals<typeof applied, AsyncResult<number>>>();
  const many = await client.delayMany(ImportTasks, 'handle', [['u1', 1], ['u2', 2]]);
  expectType<Equals<typeof many, Array<AsyncResult<number>>>>();
  // A BatchItemFailure in the returned list is not part of what the result resolves to.
  const checked = await client.delay(ImportTasks, 'check', '/tmp');
  expectType<Equals<typeof checked, AsyncResult<{ ok: boolean }>>>();
  expectType<Equals<TaskArgs<ImportTasks, 'handle'>, [userId: string, n: number]>>();
  expectType<Equals<TaskReturn<ImportTasks, 'handle'>, number>>();
  const matrix = await client.delay(ImportTasks, 'matrix', [[1, 2]]);
  expectType<Equals<typeof matrix, AsyncResult<number>>>();
}

export async function batchNegative(client: TaskClient): Promise<void> {
  // @ts-expect-error delay takes one item's arguments, not the list
  await client.delay(ImportTasks, 'handle', [['u1', 3]]);
  // @ts-expect-error wrong type of an item argument
  await client.delay(ImportTasks, 'handle', 'u1', 'three');
  // @ts-expect-error too few item arguments
  await client.applyAsync(ImportTasks, 'handle', ['u1']);
  // @ts-expect-error delayMany checks every item
  await client.delayMany(ImportTasks, 'handle', [['u1', 1], [2, 'u2']]);
  const one = await client.delay(ImportTasks, 'handle', 'u1', 3);
  // @ts-expect-error the result is one element, not the list
  const list: number[] = await one.get();
  void list;
}
