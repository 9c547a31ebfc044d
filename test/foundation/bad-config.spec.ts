import { Injectable } from '@nestjs/common';
import {
  BrokerConnectionError,
  Task,
  TaskClient,
  TaskConfigError,
  TaskModule,
  TaskNotDecoratedError,
  type TaskModuleOptions,
} from '../../lib';
import { FoundationTasks } from '../fixtures/foundation-tasks';
import { freePort } from '../support/redis-server';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness } from './harness';

describe('bad configuration fails at start-up, naming the option and the value', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function startUpError(options: TaskModuleOptions): Promise<Error> {
    const error = await h.taskApp(options, []).then(
      () => null,
      (e: Error) => e,
    );
    if (!error) throw new Error(`expected ${JSON.stringify(options)} to fail at start-up`);
    return error;
  }

  it.each<[string, TaskModuleOptions, RegExp]>([
    ['an unknown broker scheme', { broker: 'amqp://localhost' }, /'broker'.*"amqp:\/\/localhost"/],
    ['a broker of the wrong type', { broker: 42 as never }, /'broker'.*42/],
    ['a broker object without redis', { broker: { url: 'redis://x' } as never }, /'broker'/],
    ['a negative visibilityTimeout', { visibilityTimeout: -5 }, /'visibilityTimeout'.*-5/],
    ['a visibilityTimeout under a second', { visibilityTimeout: 10 }, /'visibilityTimeout'.*10/],
    ['a non-numeric resultExpires', { resultExpires: '1h' as never }, /'resultExpires'.*"1h"/],
    ['NaN as a duration', { connectRetryDelay: NaN }, /'connectRetryDelay'.*NaN/],
    ['a bad prefix', { prefix: 'has space' }, /'prefix'.*"has space"/],
    ['a bad maxPayloadBytes', { maxPayloadBytes: 10 }, /'maxPayloadBytes'.*10/],
    ['a bad eager flag', { eager: 'yes' as never }, /'eager'.*"yes"/],
    ['an unparsable rateLimit in defaults', { defaults: { rateLimit: 'fast' } }, /'defaults\.rateLimit'.*"fast"/],
    ['a negative retryDelay in defaults', { defaults: { retryDelay: -1 } }, /'defaults\.retryDelay'.*-1/],
    ['a route with a bad queue', { routes: { 'A.*': { queue: 'a b' } } }, /routes\['A\.\*'\]\.queue.*"a b"/],
  ])('%s', async (_what, options, message) => {
    const error = await startUpError(options);
    expect(error).toBeInstanceOf(TaskConfigError);
    expect(error.message).toMatch(message);
  });

  it('an unreachable Redis: BrokerConnectionError with the address, after connectRetries attempts', async () => {
    const port = await freePort();
    const started = Date.now();
    const error = (await startUpError({ broker: `redis://127.0.0.1:${port}/2`, connectRetries: 3, connectRetryDelay: 150 })) as BrokerConnectionError;
    expect(error).toBeInstanceOf(BrokerConnectionError);
    expect(error.address).toBe(`redis://127.0.0.1:${port}/2`);
    expect(error.attempts).toBe(3);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toMatch(/after 3 attempt\(s\)/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2 * 150);
  });

  it('the address in the error carries no password', async () => {
    const port = await freePort();
    const error = await startUpError({ broker: `redis://user:s3cret@127.0.0.1:${port}`, connectRetries: 1 });
    expect(error).toBeInstanceOf(BrokerConnectionError);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toContain('s3cret');
  });

  it('forRootAsync: the factory result is validated the same way', async () => {
    const error = await h
      .app([TaskModule.forRootAsync({ useFactory: () => ({ broker: testRedisUrl(), prefix: uniquePrefix(), resultExpires: -1 }) })])
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(TaskConfigError);
    expect((error as TaskConfigError).option).toBe('resultExpires');
    expect((error as TaskConfigError).value).toBe(-1);
  });

  it('an unparsable rateLimit in @Task fails when the class is defined', () => {
    const define = () => {
      @Injectable()
      class Limited {
        @Task({ rateLimit: 'ten per minute' })
        run(): void {}
      }
      return Limited;
    };
    expect(define).toThrow(TaskConfigError);
    expect(define).toThrow(/'@Task\(Limited\.run\)\.rateLimit'.*"ten per minute"/);
    expect(() => {
      class Zero {
        @Task({ rateLimit: '0/s' })
        run(): void {}
      }
      return Zero;
    }).toThrow(/rateLimit.*"0\/s"/);
    expect(() => {
      class NegativeTime {
        @Task({ timeLimit: -1 })
        run(): void {}
      }
      return NegativeTime;
    }).toThrow(/'@Task\(NegativeTime\.run\)\.timeLimit'.*-1/);
  });

  it('delay(SomeClass, method) of a method without @Task: TaskNotDecoratedError', async () => {
    const app = await h.taskApp({ eager: true });
    const error = await app.get(TaskClient).delay(FoundationTasks, 'notATask').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskNotDecoratedError);
    expect(error).toMatchObject({ className: 'FoundationTasks', methodName: 'notATask' });
    class Plain {
      run(): number {
        return 1;
      }
    }
    await expect(app.get(TaskClient).delay(Plain, 'run')).rejects.toThrow('Plain.run is not a task: decorate it with @Task()');
  });
});
