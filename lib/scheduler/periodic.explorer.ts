import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { getPeriodicMetadata } from '../decorators/periodic.decorator';
import { getTaskMetadata } from '../decorators/task.decorator';
import { findDecoratedMethods } from '../discovery/find-decorated-methods';
import { resolveSchedule } from '../config/schedules/resolve-schedule';
import type { ScheduleDefinition } from '../config/schedules/schedule-definition';

/** Collects the `@Periodic` methods of every provider as schedule definitions. */
@Injectable()
export class PeriodicExplorer {
  private readonly logger = new Logger('TaskScheduler');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  explore(): ScheduleDefinition[] {
    const found: ScheduleDefinition[] = [];
    const read = (method: unknown) => {
      const periodic = getPeriodicMetadata(method);
      return periodic.length > 0 ? periodic : undefined;
    };
    for (const { method, metadata: periodic, isStatic } of findDecoratedMethods(this.discovery, this.scanner, read)) {
      const task = getTaskMetadata(method)!;
      if (!isStatic) {
        this.logger.warn(`${task.name} is on a request-scoped provider: its @Periodic schedule is ignored`);
        continue;
      }
      for (const { cron, every, options, where } of periodic) {
        const { name, tz, ...rest } = options;
        const entry = { ...rest, name: name ?? task.name, task: task.name, ...(cron !== undefined ? { cron, tz } : { every }) };
        found.push(resolveSchedule(stripUndefined(entry), 'decorator', where));
      }
    }
    return found;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
