import { Injectable, Logger } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { getPeriodicMetadata } from '../decorators/periodic.decorator';
import { getTaskMetadata } from '../decorators/task.decorator';
import { resolveSchedule } from './resolve-schedule';
import type { ScheduleDefinition } from './schedule-definition';

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
    for (const wrapper of this.discovery.getProviders()) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance);
      if (!prototype || prototype === Object.prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        const periodic = getPeriodicMetadata(method);
        if (periodic.length === 0) continue;
        const task = getTaskMetadata(method)!;
        if (!wrapper.isDependencyTreeStatic()) {
          this.logger.warn(`${task.name} is on a request-scoped provider: its @Periodic schedule is ignored`);
          continue;
        }
        for (const { cron, every, options, where } of periodic) {
          const { name, tz, ...rest } = options;
          const entry = { ...rest, name: name ?? task.name, task: task.name, ...(cron !== undefined ? { cron, tz } : { every }) };
          found.push(resolveSchedule(stripUndefined(entry), 'decorator', where));
        }
      }
    }
    return found;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
