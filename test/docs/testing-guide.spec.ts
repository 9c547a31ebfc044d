import { Controller, Post } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { TaskClient, TaskModule, TaskRecorder, TaskState, TaskTesting, TaskWorker } from '../../lib';
import { AppModule } from '../../docs/examples/app.module';
import { EmailTasks } from '../../docs/examples/email.tasks';
import { SignupService } from '../../docs/examples/signup.service';
import { MailerService, UsersService } from '../../docs/examples/users.service';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';

/**
 * The three ways of docs/testing.md (and the README's testing example), run against the
 * docs' own example app: what the guide says each way shows is what it shows.
 */
@Controller('users')
class SignupController {
  constructor(private readonly tasks: TaskClient) {}

  @Post()
  async signUp(): Promise<{ id: number }> {
    await this.tasks.applyAsync(EmailTasks, 'sendWelcome', [42], { countdown: 60_000 });
    return { id: 42 };
  }
}

describe('docs/testing.md, as written', () => {
  let moduleRef: TestingModule | undefined;
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  it('eager: the task runs before delay() resolves', async () => {
    moduleRef = await TaskTesting.eager(Test.createTestingModule({ imports: [AppModule] })).compile();
    await moduleRef.init();
    const result = await moduleRef.get(TaskClient).delay(EmailTasks, 'sendWelcome', 1);
    await expect(result.get()).resolves.toBe('Email sent to user1@example.com');
    expect(moduleRef.get(MailerService).sent).toEqual([{ to: 'user1@example.com', subject: 'Welcome!' }]);
  });

  it('recording: the controller enqueued the welcome email, routed to emails, and nothing was sent until drain()', async () => {
    moduleRef = await TaskTesting.record(Test.createTestingModule({ imports: [AppModule], controllers: [SignupController] })).compile();
    await moduleRef.init();
    const tasks = moduleRef.get(TaskRecorder);
    await moduleRef.get(SignupController).signUp();
    expect(tasks.enqueued(EmailTasks, 'sendWelcome')).toEqual([[42]]);
    expect(tasks.all()[0]).toMatchObject({ name: 'EmailTasks.sendWelcome', queue: 'emails' });
    expect(moduleRef.get(MailerService).sent).toEqual([]);
    const ran = await tasks.drain();
    expect(ran.map((task) => task.name)).toEqual(['EmailTasks.sendWelcome']);
    expect(moduleRef.get(MailerService).sent).toHaveLength(1);
  });

  it("the README's example: SignupService.signup is recorded with its argument, then drained", async () => {
    moduleRef = await TaskTesting.record(Test.createTestingModule({ imports: [AppModule] })).compile();
    await moduleRef.init();
    const id = await moduleRef.get(SignupService).signup(42);
    const tasks = moduleRef.get(TaskRecorder);
    expect(tasks.enqueued(EmailTasks, 'sendWelcome')).toEqual([[42]]);
    await tasks.drain();
    await expect(moduleRef.get(TaskClient).result(id).get({ timeout: 1000 })).resolves.toBe('Email sent to user42@example.com');
  });

  it('a real worker against the test Redis, with a prefix of its own', async () => {
    moduleRef = await Test.createTestingModule({
      imports: [TaskModule.forRoot({ broker: testRedisUrl(), prefix: uniquePrefix('docs-testing') })],
      providers: [EmailTasks, UsersService, MailerService],
    }).compile();
    await moduleRef.init();
    await moduleRef.get(TaskWorker).start({ queues: ['default'], concurrency: 2 });
    const result = await moduleRef.get(TaskClient).delay(EmailTasks, 'sendWelcome', 7);
    await expect(result.get({ timeout: 10_000 })).resolves.toBe('Email sent to user7@example.com');
    await expect(result.state()).resolves.toBe(TaskState.SUCCESS);
  });
});
