import { TaskConfigError, type TaskModuleOptions } from '../../lib';
import { resolveTaskConfig } from '../../lib/config/task-config';

describe('celery configuration: queues and celery options, checked at start-up', () => {
  it('a celery queue and the defaults of the celery options', () => {
    const config = resolveTaskConfig({ broker: 'redis://localhost:6379/0', queues: { legacy: { protocol: 'celery' }, emails: {} } });
    expect(config.celery).toEqual({ keyPrefix: '', defaultQueue: 'celery', visibilityTimeout: 3_600_000, resultExpires: 86_400_000, queues: ['legacy'] });
    expect(config.queues.get('legacy')).toEqual({ shards: 1, protocol: 'celery' });
    expect(config.queues.get('emails')).toEqual({ shards: 1 });
  });

  it('celery options as given', () => {
    const config = resolveTaskConfig({
      broker: 'redis://localhost:6379/0',
      queues: { legacy: { protocol: 'celery' }, native: { protocol: 'native' } },
      visibilityTimeout: 5000,
      celery: { keyPrefix: 'py:', defaultQueue: 'default_py', visibilityTimeout: 5000, resultExpires: 60_000 },
    });
    expect(config.celery).toEqual({ keyPrefix: 'py:', defaultQueue: 'default_py', visibilityTimeout: 5000, resultExpires: 60_000, queues: ['legacy'] });
  });

  it.each<[string, TaskModuleOptions, RegExp]>([
    ['queues not an object', { queues: 'legacy' as never }, /'queues'.*"legacy"/],
    ['a queue entry not an object', { queues: { legacy: 'celery' as never } }, /'queues\['legacy'\]'.*"celery"/],
    ['an unknown protocol', { queues: { legacy: { protocol: 'amqp' as never } } }, /'queues\['legacy'\]\.protocol'.*"amqp"/],
    ['a bad queue name', { queues: { 'has space': { protocol: 'celery' } } }, /queues\['has space'\]/],
    ['a sharded celery queue', { queues: { legacy: { protocol: 'celery', shards: 4 } } }, /'queues\['legacy'\]\.shards'.*1 for a Celery queue.*4/],
    ['celery not an object', { celery: 3 as never }, /'celery'.*3/],
    ['a bad keyPrefix', { celery: { keyPrefix: 'a b' } }, /'celery\.keyPrefix'.*"a b"/],
    ['a bad defaultQueue', { celery: { defaultQueue: '' } }, /'celery\.defaultQueue'/],
    ['a tiny visibilityTimeout', { celery: { visibilityTimeout: 5 } }, /'celery\.visibilityTimeout'.*5/],
    ['a celery visibilityTimeout below ours', { visibilityTimeout: 30_000, queues: { legacy: { protocol: 'celery' } }, celery: { visibilityTimeout: 5000 } }, /'celery\.visibilityTimeout'.*at least visibilityTimeout \(30000 ms\), got 5000/],
    ['a celery queue on memory://', { broker: 'memory://', queues: { legacy: { protocol: 'celery' } } }, /queues\['legacy'\]\.protocol.*Redis broker/],
  ])('%s: TaskConfigError', (_what, options, message) => {
    let error: unknown;
    try {
      resolveTaskConfig({ broker: 'redis://localhost:6379/0', ...options });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TaskConfigError);
    expect((error as Error).message).toMatch(message);
  });
});
