import { Logger } from '@nestjs/common';
import { Command } from 'commander';
import { TaskScheduler } from '../../scheduler/task-scheduler';
import { logLevelOption } from '../log-level';
import { createUserApp, getOrExplain } from './worker.command';

export function beatCommand(): Command {
  return new Command('beat')
    .description('run the periodic scheduler (like `celery beat`); any number may run, one leads')
    .requiredOption('-m, --module <path[#Export]>', 'the app module: compiled JS, or TS through a loader')
    .addOption(logLevelOption())
    .action(async (options: { module: string; loglevel: string }) => {
      const app = await createUserApp(options.module, options.loglevel);
      const scheduler = getOrExplain(app, TaskScheduler, options.module);
      app.enableShutdownHooks();
      try {
        await scheduler.start();
      } catch (error) {
        await app.close().catch(() => undefined);
        throw error;
      }
      const schedules = await scheduler.list();
      new Logger('nest-tasks').log(
        `Beat is running with ${schedules.length} schedule(s) (${scheduler.isLeader ? 'leader' : 'standing by'}); SIGTERM or Ctrl+C stops it`,
      );
    });
}
