import { Injectable } from '@nestjs/common';
import {
  DuplicateScheduleError,
  getPeriodicMetadata,
  getTaskMetadata,
  InvalidScheduleError,
  Periodic,
  StaticScheduleError,
  Task,
  TaskConfigError,
  TaskRegistry,
  TaskScheduler,
  UnknownScheduleError,
} from '../../lib/internal';
import { createBeatApp } from './support/beat-apps';
import { ProbeTasks } from './support/probe.tasks';

@Injectable()
class MaintenanceTasks {
  @Periodic('0 3 * * *')
  cleanupOldRecords(): void {}

  @Periodic({ every: 300_000 })
  @Task({ name: 'sync.external', maxRetries: 5 })
  syncExternalData(): void {}

  @Task({ name: 'reports.weekly', queue: 'reports' })
  @Periodic('0 8 * * 1', { tz: 'Europe/Berlin', args: ['weekly'], queue: 'low', catchUp: 'none' })
  report(_kind: string): void {}

  @Periodic('*/30 * * * * *', { name: 'ping-a', args: ['a'] })
  @Periodic({ cron: '*/45 * * * * *', name: 'ping-b', args: ['b'], enabled: false })
  ping(_who: string): void {}
}

describe('@Periodic', () => {
  it('implies @Task when absent and works in either order with @Task', () => {
    const proto = MaintenanceTasks.prototype;
    expect(getTaskMetadata(proto.cleanupOldRecords)?.name).toBe('MaintenanceTasks.cleanupOldRecords');
    expect(getTaskMetadata(proto.syncExternalData)?.name).toBe('sync.external');
    expect(getTaskMetadata(proto.syncExternalData)?.options.maxRetries).toBe(5); // @Task's own options win
    expect(getTaskMetadata(proto.report)?.name).toBe('reports.weekly');
    expect(getTaskMetadata(proto.report)?.options.queue).toBe('reports');
    expect(getPeriodicMetadata(proto.ping).map((p) => p.options.name)).toEqual(['ping-b', 'ping-a']);
  });

  it('registers the implied tasks and lists every schedule, named after its task unless named', async () => {
    const app = await createBeatApp({ broker: 'memory://' }, undefined, [MaintenanceTasks]);
    try {
      expect(app.get(TaskRegistry).names()).toEqual(['MaintenanceTasks.cleanupOldRecords', 'MaintenanceTasks.ping', 'reports.weekly', 'sync.external']);
      const list = await app.get(TaskScheduler).list();
      expect(list.map(({ name, task, cron, tz, every, args, queue, catchUp, enabled, source }) => ({ name, task, cron, tz, every, args, queue, catchUp, enabled, source }))).toEqual([
        { name: 'MaintenanceTasks.cleanupOldRecords', task: 'MaintenanceTasks.cleanupOldRecords', cron: '0 3 * * *', tz: 'UTC', every: undefined, args: [], queue: undefined, catchUp: 'last', enabled: true, source: 'decorator' },
        { name: 'ping-a', task: 'MaintenanceTasks.ping', cron: '*/30 * * * * *', tz: 'UTC', every: undefined, args: ['a'], queue: undefined, catchUp: 'last', enabled: true, source: 'decorator' },
        { name: 'ping-b', task: 'MaintenanceTasks.ping', cron: '*/45 * * * * *', tz: 'UTC', every: undefined, args: ['b'], queue: undefined, catchUp: 'last', enabled: false, source: 'decorator' },
        { name: 'reports.weekly', task: 'reports.weekly', cron: '0 8 * * 1', tz: 'Europe/Berlin', every: undefined, args: ['weekly'], queue: 'low', catchUp: 'none', enabled: true, source: 'decorator' },
        { name: 'sync.external', task: 'sync.external', cron: undefined, tz: undefined, every: 300_000, args: [], queue: undefined, catchUp: 'last', enabled: true, source: 'decorator' },
      ]);
      const disabled = list.find((s) => s.name === 'ping-b')!;
      expect(disabled.nextRunAt).toBeNull();
      expect(list.find((s) => s.name === 'ping-a')!.nextRunAt).toBeGreaterThan(Date.now() - 1000);
    } finally {
      await app.close();
    }
  });

  it('refuses an invalid cron expression when the class is defined, naming the method and the expression', () => {
    const define = () => {
      class Broken {
        @Periodic('0 3 * *')
        nightly(): void {}
      }
      return Broken;
    };
    expect(define).toThrow(InvalidScheduleError);
    expect(define).toThrow("Invalid schedule cron '0 3 * *' at @Periodic(Broken.nightly): expected 5 fields");
  });

  it('refuses an unknown time zone, naming the method and the zone', () => {
    const define = () => {
      class Broken {
        @Periodic('0 3 * * *', { tz: 'Europe/Atlantis' })
        nightly(): void {}
      }
      return Broken;
    };
    expect(define).toThrow(InvalidScheduleError);
    expect(define).toThrow("cron '0 3 * * *' (tz 'Europe/Atlantis') at @Periodic(Broken.nightly): unknown time zone 'Europe/Atlantis'");
  });

  it.each([
    [{ every: 500 }, InvalidScheduleError, '>= 1000'],
    [{ every: 60_000, tz: 'UTC' } as never, InvalidScheduleError, 'tz applies to cron schedules only'],
    [{ every: 60_000, catchUp: 'sometimes' } as never, TaskConfigError, "@Periodic(Broken.job).catchUp"],
    [{ every: 60_000, args: [() => 1] }, TaskConfigError, '@Periodic(Broken.job).args[0]'],
    [{ every: 60_000, queue: 'no spaces' }, TaskConfigError, '@Periodic(Broken.job).queue'],
    [{ every: 60_000, cron: '* * * * *' } as never, InvalidScheduleError, 'either cron or every'],
    [{ every: 60_000, evry: 1 } as never, TaskConfigError, '@Periodic(Broken.job).evry'],
  ])('refuses bad options %p', (options, type, message) => {
    const define = () => {
      class Broken {
        @Periodic(options)
        job(): void {}
      }
      return Broken;
    };
    expect(define).toThrow(type);
    expect(define).toThrow(message);
  });
});

describe('forRoot({ beat })', () => {
  it('accepts the article\'s CELERY_BEAT_SCHEDULE as beat.schedule', async () => {
    const app = await createBeatApp({
      broker: 'memory://',
      beat: {
        schedule: [
          { name: 'daily-cleanup', task: 'probe.record', args: ['cleanup'], cron: '0 3 * * *' },
          { name: 'every-5-minutes', task: 'probe.record', args: ['sync'], every: 300_000 },
        ],
      },
    });
    try {
      const list = await app.get(TaskScheduler).list();
      expect(list.map((s) => [s.name, s.source, s.cron ?? s.every])).toEqual([
        ['daily-cleanup', 'config', '0 3 * * *'],
        ['every-5-minutes', 'config', 300_000],
      ]);
    } finally {
      await app.close();
    }
  });

  it('refuses an invalid schedule entry at start-up, naming the entry and the expression', async () => {
    const start = createBeatApp({ broker: 'memory://', beat: { schedule: [{ name: 'bad', task: 'probe.record', cron: '0 25 * * *' }] } });
    await expect(start).rejects.toThrow(InvalidScheduleError);
    await expect(
      createBeatApp({ broker: 'memory://', beat: { schedule: [{ name: 'bad', task: 'probe.record', cron: '0 25 * * *' }] } }),
    ).rejects.toThrow("cron '0 25 * * *' at beat.schedule[0]");
    await expect(createBeatApp({ broker: 'memory://', beat: { schedule: [{ name: 'x', task: 'probe.record' } as never] } })).rejects.toThrow(
      'give a cron expression or every',
    );
    await expect(createBeatApp({ broker: 'memory://', beat: { checkInterval: 3000 } })).rejects.toThrow(TaskConfigError);
    await expect(createBeatApp({ broker: 'memory://', beat: { checkInterval: 3000 } })).rejects.toThrow('beat.checkInterval');
  });

  it('refuses two schedules of one name, in config or between config and @Periodic', async () => {
    await expect(
      createBeatApp({
        broker: 'memory://',
        beat: { schedule: [{ name: 'twice', task: 'a', every: 60_000 }, { name: 'twice', task: 'b', every: 60_000 }] },
      }),
    ).rejects.toThrow(DuplicateScheduleError);
    const clash = createBeatApp(
      { broker: 'memory://', beat: { schedule: [{ name: 'sync.external', task: 'a', every: 60_000 }] } },
      undefined,
      [MaintenanceTasks],
    );
    await expect(clash).rejects.toThrow("Schedule name 'sync.external' is used by both beat.schedule[0] and @Periodic(MaintenanceTasks.syncExternalData)");
  });
});

describe('TaskScheduler runtime API checks', () => {
  it('refuses bad runtime schedules and changes to schedules declared in code with typed errors', async () => {
    const app = await createBeatApp({ broker: 'memory://' }, undefined, [MaintenanceTasks, ProbeTasks]);
    const scheduler = app.get(TaskScheduler);
    try {
      await expect(scheduler.add({ name: 'bad', task: 'probe.record', cron: 'every day' })).rejects.toThrow(InvalidScheduleError);
      await expect(scheduler.add({ name: 'bad', task: 'probe.record', cron: '0 3 * * *', tz: 'Nowhere/Land' })).rejects.toThrow("unknown time zone 'Nowhere/Land'");
      await expect(scheduler.add({ name: '', task: 'probe.record', every: 60_000 })).rejects.toThrow(TaskConfigError);
      await expect(scheduler.add({ name: 'no-task', every: 60_000 } as never)).rejects.toThrow('TaskScheduler.add.task');
      await expect(scheduler.add({ name: 'sync.external', task: 'probe.record', every: 60_000 })).rejects.toThrow(StaticScheduleError);
      await expect(scheduler.remove('sync.external')).rejects.toThrow(StaticScheduleError);
      await expect(scheduler.enable('nope')).rejects.toThrow(UnknownScheduleError);
      await expect(scheduler.remove('nope')).resolves.toBe(false);
      expect((await scheduler.list()).map((s) => s.name)).not.toContain('bad');
    } finally {
      await app.close();
    }
  });
});
