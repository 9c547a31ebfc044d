import { Injectable } from '@nestjs/common';
import { DuplicateTaskError } from '../errors';
import type { TaskDefinition } from './task-definition';

/** The runtime table of tasks this process can run, filled by the explorer at bootstrap. */
@Injectable()
export class TaskRegistry {
  private readonly tasks = new Map<string, TaskDefinition>();

  register(definition: TaskDefinition): void {
    const existing = this.tasks.get(definition.name);
    if (existing) {
      throw new DuplicateTaskError(
        definition.name,
        `${existing.className}.${existing.methodName}`,
        `${definition.className}.${definition.methodName}`,
      );
    }
    this.tasks.set(definition.name, definition);
  }

  get(name: string): TaskDefinition | undefined {
    return this.tasks.get(name);
  }

  has(name: string): boolean {
    return this.tasks.has(name);
  }

  names(): string[] {
    return [...this.tasks.keys()].sort();
  }

  all(): TaskDefinition[] {
    return [...this.tasks.values()];
  }
}
