import { TASK_METADATA } from '../constants';
import { TaskConfigError } from '../errors';
import { validateTaskOptions } from '../config/validate-task-options';
import type { TaskOptions } from '../config/task-options.interface';

/** Metadata stored on a task method. */
export interface TaskMetadata {
  readonly name: string;
  readonly options: TaskOptions;
}

/**
 * Marks a provider method as a task. The default name is `ClassName.methodName`.
 * Options are validated here, when the class is defined: the earliest point.
 */
export function Task(options: TaskOptions = {}): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `@Task(${className}.${String(propertyKey)})`;
    if (typeof descriptor.value !== 'function') {
      throw new TaskConfigError(where, descriptor.value, 'a method');
    }
    validateTaskOptions(options, where);
    const metadata: TaskMetadata = {
      name: options.name ?? `${className}.${String(propertyKey)}`,
      options,
    };
    Reflect.defineMetadata(TASK_METADATA, metadata, descriptor.value);
    return descriptor;
  };
}

/** The `@Task` metadata of a method, if it has any. */
export function getTaskMetadata(method: unknown): TaskMetadata | undefined {
  return typeof method === 'function' ? Reflect.getMetadata(TASK_METADATA, method) : undefined;
}
