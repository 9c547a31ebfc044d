import { TaskClient, TaskConfigError, TaskWorker, type TaskModuleOptions } from '../../lib';
import { RouteMatcher } from '../../lib/routing/route-matcher';
import { EmailTasks, ImageTasks, ReportTasks, RouteTasks } from '../fixtures/routing-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { RoutingHarness, waitFor } from './routing-harness';

describe('RouteMatcher', () => {
  it('matches exact names before globs, whatever the declaration order', () => {
    const routes = new RouteMatcher({ 'EmailTasks.*': { queue: 'glob' }, 'EmailTasks.send': { queue: 'exact' } });
    expect(routes.match('EmailTasks.send')?.queue).toBe('exact');
    expect(routes.match('EmailTasks.other')?.queue).toBe('glob');
  });

  it('`*` stays within one dot-separated segment, `**` crosses segments', () => {
    const routes = new RouteMatcher({ 'reports.*': { queue: 'one' }, 'deep.**': { queue: 'any' }, '*.cleanup': { queue: 'suffix' } });
    expect(routes.match('reports.daily')?.queue).toBe('one');
    expect(routes.match('reports.daily.summary')).toBeUndefined();
    expect(routes.match('reports')).toBeUndefined();
    expect(routes.match('deep.a')?.queue).toBe('any');
    expect(routes.match('deep.a.b.c')?.queue).toBe('any');
    expect(routes.match('Users.cleanup')?.queue).toBe('suffix');
    expect(routes.match('a.b.cleanup')).toBeUndefined();
  });

  it('the first matching glob in declaration order wins', () => {
    const routes = new RouteMatcher({ 'emails.*': { queue: 'first' }, 'emails.**': { queue: 'second' } });
    expect(routes.match('emails.send')?.queue).toBe('first');
    expect(routes.match('emails.bulk.send')?.queue).toBe('second');
  });

  it('treats regex characters in patterns literally', () => {
    const routes = new RouteMatcher({ 'a+b.(x)': { queue: 'literal' }, 'v1.?': { queue: 'one-char' } });
    expect(routes.match('a+b.(x)')?.queue).toBe('literal');
    expect(routes.match('aab.x')).toBeUndefined();
    expect(routes.match('v1.a')?.queue).toBe('one-char');
    expect(routes.match('v1.ab')).toBeUndefined();
  });
});

const ALL_QUEUES = ['default', 'fallback', 'by-decorator', 'by-route', 'by-call', 'reports', 'emails', 'emails-deep'];

const ROUTES: TaskModuleOptions['routes'] = {
  'RouteTasks.decoratedAndRouted': { queue: 'by-route' },
  'reports.**': { queue: 'reports' },
  'emails.*': { queue: 'emails' },
  'emails.**': { queue: 'emails-deep' },
};

describe.each([
  ['redis', () => testRedisUrl()],
  ['memory', () => 'memory://'],
])('routing precedence on %s: call > routes > decorator > defaults.queue > default', (_kind, broker) => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('sends each task to the queue its highest-precedence level names, and it runs there', async () => {
    const app = await h.taskApp({ broker: broker(), prefix: uniquePrefix('route'), defaults: { queue: 'fallback' }, routes: ROUTES }, [RouteTasks]);
    await app.get(TaskWorker).start({ queues: ALL_QUEUES, concurrency: 4 });
    const client = app.get(TaskClient);

    const cases: Array<[string, Promise<{ get(o: { timeout: number }): Promise<string>; info(): Promise<{ queue?: string } | null> }>]> = [
      ['fallback', client.delay(RouteTasks, 'plain')],
      ['by-decorator', client.delay(RouteTasks, 'decorated')],
      ['by-route', client.delay(RouteTasks, 'decoratedAndRouted')],
      ['by-call', client.applyAsync(RouteTasks, 'decoratedAndRouted', [], { queue: 'by-call' })],
      ['by-call', client.applyAsync(RouteTasks, 'plain', [], { queue: 'by-call' })],
      ['reports', client.delay(RouteTasks, 'dailySummary')],
      ['emails', client.delay(RouteTasks, 'sendEmail')],
      ['emails-deep', client.delay(RouteTasks, 'sendBulk')],
      ['reports', client.send('reports.daily.summary')],
      ['by-call', client.send('emails.send', [], { queue: 'by-call' })],
    ];
    for (const [expected, pending] of cases) {
      const result = await pending;
      await expect(result.get({ timeout: 5000 })).resolves.toBe(expected);
      expect((await result.info())?.queue).toBe(expected);
    }
  });

  it("falls back to 'default' when nothing names a queue", async () => {
    const app = await h.taskApp({ broker: broker(), prefix: uniquePrefix('route') }, [RouteTasks]);
    await app.get(TaskWorker).start({ queues: ALL_QUEUES });
    const result = await app.get(TaskClient).delay(RouteTasks, 'plain');
    await expect(result.get({ timeout: 5000 })).resolves.toBe('default');
  });
});

describe('routing across processes (redis)', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it("a producer without the task classes routes by forRoot({ routes }); it cannot know a decorator's queue", async () => {
    const prefix = uniquePrefix('route');
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix, routes: ROUTES }, [RouteTasks]);
    await worker.get(TaskWorker).start({ queues: ALL_QUEUES });
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix, routes: ROUTES });
    const client = producer.get(TaskClient);

    await expect((await client.send('reports.daily.summary')).get({ timeout: 5000 })).resolves.toBe('reports');
    await expect((await client.send('RouteTasks.decoratedAndRouted')).get({ timeout: 5000 })).resolves.toBe('by-route');
    // @Task({ queue }) lives in code the producer does not have: pass the queue, or add a route.
    await expect((await client.send('RouteTasks.decorated')).get({ timeout: 5000 })).resolves.toBe('default');
    await expect((await client.send('RouteTasks.decorated', [], { queue: 'by-decorator' })).get({ timeout: 5000 })).resolves.toBe('by-decorator');
  });

  it("the article's three queues: each worker consumes only the queues it was started with", async () => {
    const prefix = uniquePrefix('route');
    const routes = {
      'EmailTasks.sendEmail': { queue: 'emails' },
      'ImageTasks.processImage': { queue: 'images' },
      'ReportTasks.generateReport': { queue: 'reports' },
    };
    const providers = [EmailTasks, ImageTasks, ReportTasks];
    const emailsApp = await h.taskApp({ broker: testRedisUrl(), prefix, routes }, providers);
    const imagesApp = await h.taskApp({ broker: testRedisUrl(), prefix, routes }, providers);
    const emails = emailsApp.get(TaskWorker);
    const images = imagesApp.get(TaskWorker);
    await emails.start({ queues: ['emails'], concurrency: 2 });
    await images.start({ queues: ['images'], concurrency: 4 });

    const producer = await h.taskApp({ broker: testRedisUrl(), prefix, routes }, providers);
    const client = producer.get(TaskClient);
    const mails = await client.delayMany(EmailTasks, 'sendEmail', Array.from({ length: 20 }, (_, i) => [`u${i}@example.com`] as [string]));
    const pictures = await client.delayMany(ImageTasks, 'processImage', Array.from({ length: 20 }, (_, i) => [i] as [number]));
    const reports = await client.delayMany(ReportTasks, 'generateReport', [[1], [2], [3]]);

    await Promise.all([...mails, ...pictures].map((r) => r.get({ timeout: 10_000 })));
    const mailWorkers = new Set((await Promise.all(mails.map((r) => r.info()))).map((record) => record?.worker));
    const imageWorkers = new Set((await Promise.all(pictures.map((r) => r.info()))).map((record) => record?.worker));
    expect([...mailWorkers]).toEqual([emails.id]);
    expect([...imageWorkers]).toEqual([images.id]);

    // Nobody consumes 'reports' yet: its tasks wait there, untouched.
    const broker = h.broker(producer);
    expect(await broker.queueSizes('reports')).toEqual({ ready: 3, delayed: 0, active: 0 });
    expect(await Promise.all(reports.map((r) => r.state()))).toEqual(['PENDING', 'PENDING', 'PENDING']);

    const reportsApp = await h.taskApp({ broker: testRedisUrl(), prefix, routes }, providers);
    const reporter = reportsApp.get(TaskWorker);
    await reporter.start({ queues: ['reports'], concurrency: 1 });
    await expect(Promise.all(reports.map((r) => r.get({ timeout: 5000 })))).resolves.toEqual(['report 1', 'report 2', 'report 3']);
    expect(new Set((await Promise.all(reports.map((r) => r.info()))).map((record) => record?.worker))).toEqual(new Set([reporter.id]));
    await waitFor(async () => (await broker.queueSizes('reports')).active === 0, 'the reports queue to drain');
  });
});

describe('routing input is checked at the earliest point', () => {
  const h = new RoutingHarness();
  afterEach(() => h.closeAll());

  it('a route with a bad queue or priority fails the module at start-up, naming the route', async () => {
    await expect(h.taskApp({ broker: 'memory://', routes: { 'EmailTasks.*': { queue: 'bad {queue}' } } })).rejects.toThrow(
      new TaskConfigError("routes['EmailTasks.*'].queue", 'bad {queue}', 'a queue name of letters, digits and _ . : @ - (1 to 200 characters)'),
    );
    await expect(h.taskApp({ broker: 'memory://', routes: { 'reports.**': { priority: 12 } } })).rejects.toThrow(/routes\['reports\.\*\*'\]\.priority.*12/);
    await expect(h.taskApp({ broker: 'memory://', defaults: { queue: '' } })).rejects.toThrow(/defaults\.queue/);
  });

  it('a call with a bad queue or priority throws before anything is enqueued', async () => {
    const app = await h.taskApp({ broker: testRedisUrl(), prefix: uniquePrefix('route') }, [RouteTasks]);
    const client = app.get(TaskClient);
    await expect(client.applyAsync(RouteTasks, 'plain', [], { queue: 'has space' })).rejects.toThrow(TaskConfigError);
    await expect(client.applyAsync(RouteTasks, 'plain', [], { queue: 'has space' })).rejects.toThrow(/'queue'/);
    await expect(client.applyAsync(RouteTasks, 'plain', [], { priority: 10 })).rejects.toThrow(/'priority'.*10/);
    await expect(client.applyAsync(RouteTasks, 'plain', [], { priority: 1.5 })).rejects.toThrow(/'priority'.*1\.5/);
    await expect(h.broker(app).queueSizes('default')).resolves.toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('a worker refuses bad queue lists and weights', async () => {
    const app = await h.taskApp({ broker: 'memory://' }, [RouteTasks]);
    const worker = app.get(TaskWorker);
    await expect(worker.start({ queues: [] })).rejects.toThrow(/'queues'/);
    await expect(worker.start({ queues: ['a', { name: 'b', weight: 0 }] })).rejects.toThrow(/'queues\[1\]\.weight'.*0/);
    await expect(worker.start({ queues: ['a', { name: 'b{x}' }] })).rejects.toThrow(/'queues\[1\]'/);
    expect(worker.isRunning).toBe(false);
  });
});
