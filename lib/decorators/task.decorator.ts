import { TASK_METADATA } from '../constants';
import { TaskConfigError } from '../errors';
import { validateTaskOptions } from '../config/validate-task-options';
import type { TaskOptions } from '../config/task-options.interface';

/** Metadata stored on a task method. */
export interface TaskMetadata {
  readonly name: string;
  readonly options: TaskOptions;
}

/** What `@Task()` returns: it applies to methods whose first parameters are those its key functions take. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskMethodDecorator<A extends any[]> = <M extends (...args: [...A, ...any[]]) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M>,
) => TypedPropertyDescriptor<M>;

/** The metadata this copy of the library put on methods: a producer looks a task up at every call, and reflect-metadata's lookup costs more. */
const DECORATED = new WeakMap<object, TaskMetadata>();

/**
 * Marks a provider method as a task. The default name is `ClassName.methodName`.
 * Options are validated here, when the class is defined: the earliest point. Key
 * functions (`concurrency.key`, `debounce.key`) are type-checked against the method's parameters.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function Task<A extends any[] = any[]>(options: TaskOptions<A> = {}): TaskMethodDecorator<A> {
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
    DECORATED.set(descriptor.value, metadata);
    return descriptor;
  };
}

/** The `@Task` metadata of a method, if it has any. */
export function getTaskMetadata(method: unknown): TaskMetadata | undefined {
  if (typeof method !== 'function') return undefined;
  // Reflect's metadata too: a method decorated by another copy of the library (its CommonJS and ES builds both loaded).
  return DECORATED.get(method) ?? Reflect.getMetadata(TASK_METADATA, method);
}
