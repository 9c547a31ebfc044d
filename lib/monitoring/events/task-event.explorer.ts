import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { TaskEvent } from '../../serialization/task-event';
import { findDecoratedMethods } from '../../discovery/find-decorated-methods';
import { TaskEventBus } from '../../events/task-event-bus';
import { RouteMatcher } from '../../routing/route-matcher';
import { getOnTaskEventMetadata, type OnTaskEventMetadata } from './on-task-event.decorator';

/** Finds `@OnTaskEvent` methods at bootstrap and subscribes them to the event bus. */
@Injectable()
export class TaskEventExplorer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TaskEvents');
  private readonly unsubscribes: Array<() => void> = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly bus: TaskEventBus,
  ) {}

  /** Subscribes at init; workers start on bootstrap, after it. */
  onModuleInit(): void {
    for (const { instance, className, methodName, metadata, isStatic } of findDecoratedMethods(this.discovery, this.scanner, getOnTaskEventMetadata)) {
      const where = `${className}.${methodName}`;
      if (!isStatic) {
        this.logger.warn(`@OnTaskEvent on ${where} is ignored: the provider is request-scoped`);
        continue;
      }
      this.unsubscribes.push(this.bus.subscribe(this.listener(instance, methodName, metadata, where)));
    }
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
  }

  private listener(instance: Record<string, (event: TaskEvent) => unknown>, methodName: string, metadata: OnTaskEventMetadata, where: string) {
    const matcher = metadata.task ? new RouteMatcher({ [metadata.task]: {} }) : undefined;
    return (event: TaskEvent) => {
      if (metadata.types !== '*' && !metadata.types.has(event.type)) return;
      if (matcher && (!event.task || !matcher.match(event.task))) return;
      try {
        const returned = instance[methodName](event);
        if (returned instanceof Promise) returned.catch((error: Error) => this.failed(where, event, error));
      } catch (error) {
        this.failed(where, event, error as Error);
      }
    };
  }

  private failed(where: string, event: TaskEvent, error: Error): void {
    this.logger.error(`${where} failed on a '${event.type}' event${event.taskId ? ` of task ${event.taskId}` : ''}: ${error?.message ?? error}`);
  }
}
