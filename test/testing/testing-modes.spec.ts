import { Controller, Injectable, Module, Post } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import {
  TaskClient,
  TaskModule,
  TaskRecorder,
  TaskRecordingError,
  TaskState,
  TaskTesting,
  TaskConfigError,
  TaskNotDecoratedError,
  Task,
  currentTask,
} from '../../lib';
import { eagerFromEnvironment } from '../../lib/config/task-config';
import { MemoryBroker, TASK_BROKER } from '../../lib/internal';

/** Nothing listens on port 1: a connection attempt would fail the boot. */
const NOWHERE = 'redis://127.0.0.1:1';

@Injectable()
class Mailer {
  readonly sent: string[] = [];
  send(to: string, subject: string): void {
    this.sent.push(`${to}: ${subject}`);
  }
}

@Injectable()
class EmailTasks {
  constructor(
    private readonly mailer: Mailer,
    private readonly tasks: TaskClient,
  ) {}

  @Task()
  async sendWelcome(userId: number, locale: string): Promise<string> {
    this.mailer.send(`user-${userId}`, `welcome (${locale})`);
    // A task that enqueues another: recorded too, and run by the same drain().
    await this.tasks.delay(EmailTasks, 'sendTips', userId);
    return `welcomed ${userId}`;
  }

  @Task({ name: 'emails.tips' })
  sendTips(userId: number): void {
    this.mailer.send(`user-${userId}`, 'tips');
  }

  @Task({ maxRetries: 2 })
  flaky(): number {
    const { retries } = currentTask();
    if (retries < 2) throw new Error(`attempt ${retries}`);
    return retries;
  }

  @Task()
  add(a: number, b: number): number {
    return a + b;
  }

  @Task()
  sum(values: number[]): number {
    return values.reduce((total, v) => total + v, 0);
  }

  @Task()
  forever(n: number): Promise<unknown> {
    return this.tasks.delay(EmailTasks, 'forever', n + 1).then((r) => r.id);
  }

  notATask(): void {}
}

@Controller('users')
class UsersController {
  constructor(private readonly tasks: TaskClient) {}

  @Post()
  async signUp(): Promise<{ id: number }> {
    await this.tasks.applyAsync(EmailTasks, 'sendWelcome', [42, 'fr'], { countdown: 60_000, priority: 5 });
    return { id: 42 };
  }
}

/** An app as a user writes it: forRoot with a Redis URL and routes. */
@Module({
  imports: [TaskModule.forRoot({ broker: NOWHERE, routes: { 'EmailTasks.*': { queue: 'emails' } } })],
  controllers: [UsersController],
  providers: [Mailer, EmailTasks],
})
class AppModule {}

/** The same with forRootAsync. */
@Module({
  imports: [TaskModule.forRootAsync({ useFactory: () => ({ broker: NOWHERE, routes: { 'EmailTasks.*': { queue: 'emails' } } }) })],
  controllers: [UsersController],
  providers: [Mailer, EmailTasks],
})
class AsyncAppModule {}

describe('testing: TaskTesting.eager', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(() => moduleRef?.close());

  it.each([
    ['forRoot', AppModule],
    ['forRootAsync', AsyncAppModule],
  ])('switches an app (%s, unreachable Redis URL) to eager: delay() runs the task before it resolves, routes kept', async (_, root) => {
    moduleRef = await TaskTesting.eager(Test.createTestingModule({ imports: [root] })).compile();
    await moduleRef.init();
    expect(moduleRef.get(TASK_BROKER)).toBeInstanceOf(MemoryBroker);
    await moduleRef.get(UsersController).signUp();
    // The countdown is skipped as in eager mode: both emails went out already.
    expect(moduleRef.get(Mailer).sent).toEqual(['user-42: welcome (fr)', 'user-42: tips']);
    const result = await moduleRef.get(TaskClient).applyAsync(EmailTasks, 'add', [2, 3]);
    await expect(result.get()).resolves.toBe(5);
  });
});

describe('testing: TaskTesting.record', () => {
  let moduleRef: TestingModule;
  let tasks: TaskRecorder;
  let mailer: Mailer;

  beforeAll(async () => {
    moduleRef = await TaskTesting.record(Test.createTestingModule({ imports: [AppModule] })).compile();
    await moduleRef.init();
    tasks = moduleRef.get(TaskRecorder);
    mailer = moduleRef.get(Mailer);
  });
  afterAll(() => moduleRef.close());
  afterEach(() => {
    tasks.clear();
    mailer.sent.length = 0;
  });

  it('keeps what a controller enqueued, with its typed arguments and options, and runs nothing', async () => {
    expect(moduleRef.get(TASK_BROKER)).toBeInstanceOf(MemoryBroker);
    const before = Date.now();
    await moduleRef.get(UsersController).signUp();
    const args: Array<[number, string]> = tasks.enqueued(EmailTasks, 'sendWelcome');
    expect(args).toEqual([[42, 'fr']]);
    expect(mailer.sent).toEqual([]);
    const [recorded] = tasks.all();
    expect(recorded).toMatchObject({ name: 'EmailTasks.sendWelcome', queue: 'emails', priority: 5, workflow: false });
    expect(recorded.eta).toBeGreaterThanOrEqual(before + 60_000);
    await expect(moduleRef.get(TaskClient).result(recorded.id).state()).resolves.toBe(TaskState.PENDING);
  });

  it('drain() runs what was recorded, and what those tasks enqueue, in order; results are readable', async () => {
    const client = moduleRef.get(TaskClient);
    const welcome = await client.delay(EmailTasks, 'sendWelcome', 7, 'en');
    expect(tasks.size).toBe(1);
    const ran = await tasks.drain();
    expect(ran.map((t) => t.name)).toEqual(['EmailTasks.sendWelcome', 'emails.tips']);
    expect(mailer.sent).toEqual(['user-7: welcome (en)', 'user-7: tips']);
    expect(tasks.size).toBe(0);
    await expect(welcome.get()).resolves.toBe('welcomed 7');
  });

  it('records send(), delayMany() and applyAsync(); byName finds a pinned name; arguments made the JSON trip', async () => {
    const client = moduleRef.get(TaskClient);
    await client.send('emails.tips', [1]);
    await client.delayMany(EmailTasks, 'sendTips', [[2], [3]]);
    await client.applyAsync(EmailTasks, 'sum', [[1, 2]], { queue: 'elsewhere' });
    expect(tasks.enqueued(EmailTasks, 'sendTips')).toEqual([[1], [2], [3]]);
    expect(tasks.byName('emails.tips')).toHaveLength(3);
    // 'emails.tips' is a pinned name: the 'EmailTasks.*' route does not match it.
    expect(tasks.all().map((t) => t.queue)).toEqual(['default', 'default', 'default', 'elsewhere']);
    await client.send('Unknown.task', [{ at: new Date('2030-01-02T03:04:05.000Z'), skip: undefined }]);
    expect(tasks.byName('Unknown.task')).toEqual([[{ at: '2030-01-02T03:04:05.000Z' }]]);
  });

  it('retries run inline during drain(); a failure is stored, not thrown', async () => {
    const client = moduleRef.get(TaskClient);
    const flaky = await client.delay(EmailTasks, 'flaky');
    const unknown = await client.send('Unknown.task');
    await tasks.drain();
    await expect(flaky.get()).resolves.toBe(2);
    await expect(unknown.get()).rejects.toMatchObject({ remoteName: 'UnknownTaskError' });
  });

  it('a chain records its first step only; drain() runs the rest and the chain result resolves', async () => {
    const client = moduleRef.get(TaskClient);
    const result = await client.chain(client.signature(EmailTasks, 'add', 1, 2), client.signature(EmailTasks, 'add', 10)).applyAsync();
    expect(tasks.all()).toMatchObject([{ name: 'EmailTasks.add', args: [1, 2], workflow: true }]);
    const ran = await tasks.drain();
    expect(ran.map((t) => t.args)).toEqual([[1, 2], [3, 10]]);
    await expect(result.get()).resolves.toBe(13);
  });

  it('a group records every member; a chord records its header, and its callback joins the drain', async () => {
    const client = moduleRef.get(TaskClient);
    const group = await client.group([client.signature(EmailTasks, 'add', 1, 1), client.signature(EmailTasks, 'add', 2, 2)]).applyAsync();
    expect(tasks.enqueued(EmailTasks, 'add')).toEqual([[1, 1], [2, 2]]);
    await tasks.drain();
    await expect(group.get()).resolves.toEqual([2, 4]);

    const chord = await client.chord([client.signature(EmailTasks, 'add', 1, 1), client.signature(EmailTasks, 'add', 2, 2)], client.signature(EmailTasks, 'sum')).applyAsync();
    expect(tasks.enqueued(EmailTasks, 'add')).toEqual([[1, 1], [2, 2]]);
    expect(tasks.enqueued(EmailTasks, 'sum')).toEqual([]);
    const ran = await tasks.drain();
    expect(ran.map((t) => t.name)).toEqual(['EmailTasks.add', 'EmailTasks.add', 'EmailTasks.sum']);
    await expect(chord.get()).resolves.toBe(6);
  });

  it('clear() forgets what was recorded: nothing runs afterwards', async () => {
    await moduleRef.get(TaskClient).delay(EmailTasks, 'sendTips', 9);
    tasks.clear();
    expect(tasks.all()).toEqual([]);
    await expect(tasks.drain()).resolves.toEqual([]);
    expect(mailer.sent).toEqual([]);
  });

  it('drain() stops a task that keeps enqueueing itself at { max } with a clear error', async () => {
    await moduleRef.get(TaskClient).delay(EmailTasks, 'forever', 0);
    const error = await tasks.drain({ max: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskRecordingError);
    expect((error as Error).message).toMatch(/ran 5 tasks/);
    expect(tasks.byName('EmailTasks.forever')).toEqual([[5]]);
  });

  it('enqueued() of a method without @Task names it', () => {
    expect(() => tasks.enqueued(EmailTasks, 'notATask')).toThrow(TaskNotDecoratedError);
  });
});

describe('testing: switches', () => {
  let moduleRef: TestingModule | undefined;
  const saved = process.env.TASKS_EAGER;
  afterEach(async () => {
    if (saved === undefined) delete process.env.TASKS_EAGER;
    else process.env.TASKS_EAGER = saved;
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('TASKS_EAGER=1 turns an unchanged app eager (end-to-end runs)', async () => {
    process.env.TASKS_EAGER = '1';
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.init();
    expect(moduleRef.get(TASK_BROKER)).toBeInstanceOf(MemoryBroker);
    await moduleRef.get(UsersController).signUp();
    expect(moduleRef.get(Mailer).sent).toEqual(['user-42: welcome (fr)', 'user-42: tips']);
  });

  it('TASKS_EAGER accepts 1/true/0/false/unset and names a wrong value', () => {
    expect(eagerFromEnvironment({ TASKS_EAGER: 'true' })).toBe(true);
    expect(eagerFromEnvironment({ TASKS_EAGER: '0' })).toBe(false);
    expect(eagerFromEnvironment({})).toBe(false);
    expect(() => eagerFromEnvironment({ TASKS_EAGER: 'yes' })).toThrow(TaskConfigError);
  });

  it('TaskRecorder outside recording mode says how to turn it on', async () => {
    moduleRef = await TaskTesting.eager(Test.createTestingModule({ imports: [AppModule] })).compile();
    const recorder = moduleRef.get(TaskRecorder);
    expect(recorder.active).toBe(false);
    expect(() => recorder.all()).toThrow(/TaskTesting\.record/);
  });
});
