import { inspect } from 'node:util';
import IORedis from 'ioredis';
import { describeRedis } from '../../lib/broker/redis/redis-address';
import { checkBrokerOptions } from '../../lib/cli/broker-options';
import { resolveTaskConfig } from '../../lib/config/task-config';
import { TaskConfigError } from '../../lib';
import { redactUrl, redactValue } from '../../lib/utils/redact';

/** The error `run` throws, checked to be a TaskConfigError. */
function configError(run: () => unknown): TaskConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TaskConfigError);
    return error as TaskConfigError;
  }
  throw new Error('expected a TaskConfigError, nothing was thrown');
}

/** Everything a log line could show of an error: Nest's logger prints errors with util.inspect. */
const printed = (error: Error) => `${error.message}\n${inspect(error)}`;

/** A password never reaches a message or a log, whatever it contains. */
describe('broker addresses are printed without credentials', () => {
  it('the CLI names a --broker with a wrong scheme by its address only', () => {
    const error = configError(() => checkBrokerOptions({ broker: 'http://ops:hunter2@redis.internal:6379/0', prefix: 'tasks' }));
    expect(error.message).toContain("Invalid option '--broker'");
    expect(error.message).toContain('redis.internal:6379');
    expect(printed(error)).not.toContain('hunter2');
    expect(printed(error)).not.toContain('ops:');
  });

  it.each([
    ['a wrong scheme', 'amqp://ops:hunter2@mq.internal:5672', 'mq.internal:5672', ['hunter2', 'ops:']],
    ['a wrong scheme, a password with @ and /', 'http://ops:hun@ter/2@cache.internal:6379', 'http', ['hun@ter', 'ter/2', '/2@', 'ops:']],
    ['a password with / that is not percent-encoded', 'redis://:hun/ter2@cache.internal:6379/0', 'redis', ['hun/ter2', 'ter2']],
    ['a password with / that reads as host:port', 'redis://ops:12/34@cache.internal:6379/0', 'redis', ['ops:12', '34@', '12/34']],
    ['a password with # that is not percent-encoded', 'rediss://ops:hun#ter2@cache.internal:6379/0', 'rediss', ['hun#ter2', 'ter2', 'ops:']],
  ])('TaskModule.forRoot({ broker }) with %s: TaskConfigError without the password', (_, broker, shown, secrets) => {
    const error = configError(() => resolveTaskConfig({ broker }));
    expect(error.message).toContain("Invalid option 'broker'");
    expect(error.message).toContain(shown);
    for (const secret of secrets) expect(printed(error)).not.toContain(secret);
  });

  it('a broker object of the wrong shape: its URLs and passwords are hidden', () => {
    for (const broker of [{ redis: 'redis://:hunter2@cache.internal:6379' }, { url: 'redis://ops:hunter2@cache.internal' }, { redis: 6379, password: 'hunter2' }]) {
      const error = configError(() => resolveTaskConfig({ broker: broker as never }));
      expect(error.message).toContain("Invalid option 'broker'");
      expect(printed(error)).not.toContain('hunter2');
    }
  });

  it('describeRedis: host, port and db only; IPv6 in brackets', () => {
    const options = (url: string) => new IORedis(url, { lazyConnect: true }).options;
    expect(describeRedis(options('redis://ops:hun@ter2@cache.internal:6380/2'))).toBe('redis://cache.internal:6380/2');
    expect(describeRedis(options('rediss://:hun%2Fter2@[::1]:6379/0'))).toBe('rediss://[::1]:6379/0');
    expect(describeRedis(options('redis://cache.internal?password=hunter2'))).toBe('redis://cache.internal:6379/0');
  });
});

describe('redactUrl / redactValue', () => {
  it.each([
    ['redis://ops:hunter2@cache.internal:6379/0', 'redis://cache.internal:6379/0'],
    ['rediss://:hun%40ter2@[::1]:6380/1', 'rediss://[::1]:6380/1'],
    ['redis://ops:hun@ter2@cache.internal', 'redis://cache.internal'],
    ['redis://cache.internal:6379?password=hunter2&family=6', 'redis://cache.internal:6379?password=***&family=6'],
    ['redis://cache.internal:6379/0#hunter2', 'redis://cache.internal:6379/0'],
    ['memory://', 'memory://'],
    ['ops:hunter2@cache.internal', 'ops://<address hidden: not a valid URL>'],
    ['ops:hunter2', 'ops://<address hidden>'],
    ['redis://:hun/ter2@cache.internal', 'redis://<address hidden: not a valid URL>'],
    ['redis://ops:12?34@cache.internal', 'redis://<address hidden: not a valid URL>'],
    ['hunter2', '<address hidden: not a valid URL>'],
  ])('%s -> %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('hides secret keys and URLs inside option objects, names class instances', () => {
    class Connection {}
    expect(redactValue({ redis: { host: 'h', password: 'hunter2', tls: { passphrase: 'x' } }, url: 'redis://:hunter2@h', conn: new Connection(), list: ['a'] })).toEqual({
      redis: { host: 'h', password: '<hidden>', tls: { passphrase: '<hidden>' } },
      url: 'redis://h',
      conn: '[Connection]',
      list: ['a'],
    });
  });
});
