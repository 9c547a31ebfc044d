import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { TASK_CONFIG } from '../constants';
import { getTaskMetadata } from '../decorators/task.decorator';
import { findDecoratedMethods } from './find-decorated-methods';
import { resolveTaskOptions } from '../config/resolve-task-options';
import type { TaskConfig } from '../config/task-config';
import { TaskRegistry } from '../registry/task-registry';

/** Finds `@Task` methods on every provider at bootstrap and hands them to the registry. */
@Injectable()
export class TaskExplorer implements OnModuleInit {
  private readonly logger = new Logger('TaskExplorer');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: TaskRegistry,
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
  ) {}

  /** Fills the registry at init; workers start on bootstrap, after it. */
  onModuleInit(): void {
    for (const found of findDecoratedMethods(this.discovery, this.scanner, getTaskMetadata)) {
      const { metadata, instance, method } = found;
      if (!found.isStatic) {
        this.logger.warn(`${metadata.name} is on a request-scoped provider and cannot run as a task`);
        continue;
      }
      this.registry.register({
        name: metadata.name,
        className: found.className,
        methodName: found.methodName,
        options: resolveTaskOptions(this.config, metadata.options, `@Task(${metadata.name})`),
        handler: (...args: unknown[]) => method.apply(instance, args),
      });
    }
  }
}
