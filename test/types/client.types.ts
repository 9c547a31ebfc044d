/**
 * Type-level test of TaskClient, compiled (never run) by client-types.spec.ts.
 * Every `@ts-expect-error` line must be an error: an unused one fails the build.
 */
import { Task, type AsyncResult, type TaskClient } from '../../lib';

class EmailTasks {
  @Task()
  async sendWelcome(userId: number, greeting?: string): Promise<string> {
    return `${greeting ?? 'hi'} ${userId}`;
  }

  @Task()
  count(): number {
    return 1;
  }

  @Task()
  async nothing(flag: boolean): Promise<void> {
    void flag;
  }

  @Task()
  report(filter: { from: string; to: string }, ids: number[]): { rows: number } {
    return { rows: filter.from.length + ids.length };
  }
}

/** true when A and B are the same type (not merely assignable). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | void {}

export async function positive(client: TaskClient): Promise<void> {
  const welcome = await client.delay(EmailTasks, 'sendWelcome', 1);
  expectType<Equals<typeof welcome, AsyncResult<string>>>();
  const value = await welcome.get({ timeout: 10 });
  expectType<Equals<typeof value, string>>();

  const withGreeting = await client.delay(EmailTasks, 'sendWelcome', 1, 'hello');
  expectType<Equals<typeof withGreeting, AsyncResult<string>>>();

  const counted = await client.applyAsync(EmailTasks, 'count', [], { countdown: 1000, queue: 'q', priority: 3, taskId: 'x' });
  expectType<Equals<typeof counted, AsyncResult<number>>>();

  const voided = await client.delay(EmailTasks, 'nothing', true);
  expectType<Equals<typeof voided, AsyncResult<void>>>();

  const report = await client.applyAsync(EmailTasks, 'report', [{ from: 'a', to: 'b' }, [1, 2]], { eta: new Date(), expires: 5000 });
  expectType<Equals<typeof report, AsyncResult<{ rows: number }>>>();

  const many = await client.delayMany(EmailTasks, 'sendWelcome', [[1], [2, 'hey']]);
  expectType<Equals<typeof many, Array<AsyncResult<string>>>>();

  const byName = await client.send<number>('EmailTasks.count', []);
  expectType<Equals<typeof byName, AsyncResult<number>>>();
  const untyped = client.result('some-id');
  expectType<Equals<typeof untyped, AsyncResult<unknown>>>();
  const typed = client.result<string>('some-id');
  expectType<Equals<typeof typed, AsyncResult<string>>>();
}

export async function negative(client: TaskClient): Promise<void> {
  // @ts-expect-error a method name the class does not have
  await client.delay(EmailTasks, 'sendWelcom', 1);
  // @ts-expect-error a property that is not a method
  await client.delay(EmailTasks, 'constructor');
  // @ts-expect-error wrong argument type
  await client.delay(EmailTasks, 'sendWelcome', 'one');
  // @ts-expect-error wrong type of the optional argument
  await client.delay(EmailTasks, 'sendWelcome', 1, 2);
  // @ts-expect-error too few arguments
  await client.delay(EmailTasks, 'sendWelcome');
  // @ts-expect-error too many arguments
  await client.delay(EmailTasks, 'sendWelcome', 1, 'hi', 'extra');
  // @ts-expect-error applyAsync takes the arguments as a tuple of the right types
  await client.applyAsync(EmailTasks, 'report', [{ from: 'a' }, [1]]);
  // @ts-expect-error applyAsync arity
  await client.applyAsync(EmailTasks, 'count', [1]);
  // @ts-expect-error an unknown option
  await client.applyAsync(EmailTasks, 'count', [], { countdwn: 5 });
  // @ts-expect-error an option of the wrong type
  await client.applyAsync(EmailTasks, 'count', [], { countdown: '5s' });
  // @ts-expect-error delayMany checks every argument list
  await client.delayMany(EmailTasks, 'sendWelcome', [[1], ['two']]);
  // @ts-expect-error delayMany checks the method name
  await client.delayMany(EmailTasks, 'nope', [[1]]);

  const welcome = await client.delay(EmailTasks, 'sendWelcome', 1);
  // @ts-expect-error the result is a string, not a number
  const wrong: number = await welcome.get();
  void wrong;
}
