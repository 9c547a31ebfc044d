import { Inject, Injectable, Module } from '@nestjs/common';
import { URL } from 'node:url';
import IORedis from 'ioredis';
import { TASK_CONFIG, TaskClient, TaskModule, TaskWorker, type TaskConfig } from '../../lib/internal';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, resultKey, scanAll } from './harness';

/** A ConfigModule look-alike: forRootAsync reads its settings from an injected provider. */
@Injectable()
class FakeConfigService {
  static values: Record<string, string> = {};
  get(key: string): string {
    const value = FakeConfigService.values[key];
    if (value === undefined) throw new Error(`missing config ${key}`);
    return value;
  }
}

@Module({ providers: [FakeConfigService], exports: [FakeConfigService] })
class FakeConfigModule {}

/** A feature module that injects TaskClient without importing TaskModule. */
@Injectable()
class SignupService {
  constructor(readonly tasks: TaskClient) {}
  signUp(name: string) {
    return this.tasks.delay(FoundationTasks, 'greet', name);
  }
}

@Module({ providers: [SignupService], exports: [SignupService] })
class SignupModule {}

function asyncTaskModule() {
  return TaskModule.forRootAsync({
    imports: [FakeConfigModule],
    inject: [FakeConfigService],
    useFactory: async (config: FakeConfigService) => ({
      broker: config.get('REDIS_URL'),
      prefix: config.get('TASK_PREFIX'),
      resultExpires: Number(config.get('RESULT_EXPIRES')),
    }),
  });
}

describe('TaskModule configuration', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('forRoot with a redis:// URL: a producer app and a worker app share one Redis', async () => {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix });
    await worker.get(TaskWorker).start();
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const result = await producer.get(TaskClient).delay(FoundationTasks, 'greet', 'url');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, url');
  });

  it('forRootAsync takes imports, inject and an async useFactory (a ConfigModule-like provider)', async () => {
    const prefix = uniquePrefix('async');
    FakeConfigService.values = { REDIS_URL: testRedisUrl(), TASK_PREFIX: prefix, RESULT_EXPIRES: '60000' };
    const worker = await h.app([asyncTaskModule()], [FoundationTasks, Greeter]);
    await worker.get(TaskWorker).start();
    const producer = await h.app([asyncTaskModule()]);

    const config = producer.get<TaskConfig>(TASK_CONFIG);
    expect(config.prefix).toBe(prefix);
    expect(config.resultExpires).toBe(60_000);

    const result = await producer.get(TaskClient).delay(FoundationTasks, 'greet', 'async');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, async');
    // The factory's prefix and resultExpires are the ones in use.
    const redis = h.redis(testRedisUrl());
    expect(await scanAll(redis, `${prefix}:result:*`)).toEqual([resultKey(prefix, result.id)]);
    const ttl = await redis.pttl(resultKey(prefix, result.id));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('forRootAsync takes useClass (a factory class with createTaskOptions)', async () => {
    const prefix = uniquePrefix('class');
    @Injectable()
    class TaskOptionsFactory {
      createTaskOptions() {
        return { broker: testRedisUrl(), prefix };
      }
    }
    const app = await h.app([TaskModule.forRootAsync({ useClass: TaskOptionsFactory })], [FoundationTasks, Greeter]);
    expect(app.get<TaskConfig>(TASK_CONFIG).prefix).toBe(prefix);
    await app.get(TaskWorker).start();
    const result = await app.get(TaskClient).delay(FoundationTasks, 'greet', 'class');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, class');
  });

  it('forRootAsync fails at start-up when the factory returns bad options', async () => {
    FakeConfigService.values = { REDIS_URL: 'amqp://nope', TASK_PREFIX: 'x', RESULT_EXPIRES: '1' };
    await expect(h.app([asyncTaskModule()])).rejects.toThrow(/Invalid option 'broker'.*"amqp:\/\/nope"/);
  });

  it('accepts { redis: RedisOptions }', async () => {
    const url = new URL(testRedisUrl());
    const prefix = uniquePrefix();
    const broker = { redis: { host: url.hostname, port: Number(url.port) } };
    const worker = await h.taskApp({ broker, prefix });
    await worker.get(TaskWorker).start();
    const producer = await h.taskApp({ broker, prefix }, []);
    const result = await producer.get(TaskClient).delay(FoundationTasks, 'greet', 'options');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, options');
  });

  it('accepts { redis: instance } and leaves the instance open on app.close()', async () => {
    const prefix = uniquePrefix();
    const mine = new IORedis(testRedisUrl());
    try {
      const worker = await h.taskApp({ broker: { redis: mine }, prefix });
      await worker.get(TaskWorker).start();
      const producer = await h.taskApp({ broker: { redis: mine }, prefix }, []);
      const result = await producer.get(TaskClient).delay(FoundationTasks, 'greet', 'instance');
      await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, instance');

      await h.close(producer);
      await h.close(worker);
      expect(mine.status).toBe('ready');
      await expect(mine.ping()).resolves.toBe('PONG');
      await expect(mine.exists(resultKey(prefix, result.id))).resolves.toBe(1);
    } finally {
      await mine.quit();
    }
  });

  it('is global: a feature module injects TaskClient without importing TaskModule', async () => {
    const prefix = uniquePrefix();
    const app = await h.taskApp({ broker: testRedisUrl(), prefix }, [FoundationTasks, Greeter], [SignupModule]);
    await app.get(TaskWorker).start();
    const signup = app.get(SignupService);
    expect(signup.tasks).toBe(app.get(TaskClient));
    const result = await signup.signUp('global');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, global');
  });

  it('defaults to memory:// when no broker is given', async () => {
    const app = await h.taskApp({});
    expect(app.get<TaskConfig>(TASK_CONFIG).broker).toBe('memory://');
    await app.get(TaskWorker).start();
    const result = await app.get(TaskClient).delay(FoundationTasks, 'greet', 'memory');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('hello, memory');
  });

  it('TASK_CONFIG carries every default filled in', async () => {
    const app = await h.taskApp({ eager: true }, []);
    const config = app.get<TaskConfig>(TASK_CONFIG);
    expect(config).toMatchObject({
      prefix: 'tasks',
      eager: true,
      resultExpires: 24 * 60 * 60 * 1000,
      visibilityTimeout: 30_000,
      maxPayloadBytes: 1024 * 1024,
    });
  });

  it('TASK_CONFIG can be injected by token', async () => {
    @Injectable()
    class ReadsConfig {
      constructor(@Inject(TASK_CONFIG) readonly config: TaskConfig) {}
    }
    const app = await h.taskApp({ prefix: 'injected', eager: true }, [ReadsConfig]);
    expect(app.get(ReadsConfig).config.prefix).toBe('injected');
  });
});
