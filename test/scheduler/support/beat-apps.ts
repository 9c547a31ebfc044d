import type { INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TASK_CLOCK, TaskModule, type TaskClock, type TaskModuleOptions } from '../../../lib';
import { ProbeTasks } from './probe.tasks';

/**
 * An application context with TaskModule, the probe tasks and the given providers;
 * the scheduler reads `clock` when one is given.
 */
export async function createBeatApp(
  options: TaskModuleOptions,
  clock?: TaskClock,
  providers: Type[] = [ProbeTasks],
): Promise<INestApplicationContext> {
  let builder = Test.createTestingModule({ imports: [TaskModule.forRoot(options)], providers });
  if (clock) builder = builder.overrideProvider(TASK_CLOCK).useValue(clock);
  const moduleRef = await builder.compile();
  if (!process.env.TEST_LOGS) moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}

/** Beat timings short enough for tests. */
export const FAST_BEAT = { leaderLease: 1500, checkInterval: 100 } as const;
