import { TASK_METADATA } from '../constants';
import { TaskConfigError } from '../errors';
import { validateTaskOptions } from '../config/validate-task-options';
import type { TaskOptions } from '../config/task-options.interface';
import type { DebounceTaskOptions } from '../config/debounce-options';

/** Metadata stored on a task method. */
export interface TaskMetadata {
  readonly name: string;
  readonly options: TaskOptions;
}

/**
 * Compiles when a key function can be called with the method's arguments (it may take
 * fewer, not more or others); else the descriptor asks for a property no method has,
 * and the compiler names it.
 */
export type KeyFitsMethod<M, A extends unknown[]> = M extends (...args: infer P) => unknown
  ? ((...args: A) => string) extends (...args: P) => string
    ? unknown
    : { 'the debounce key function does not take the parameters of the method': never }
  : unknown;

/** `@Task({ debounce })`: a method decorator whose method must accept what the key function takes. */
export type DebouncedTaskDecorator<A extends unknown[]> = <M extends (...args: never[]) => unknown>(
  target: object,
  propertyKey: string | symbol,
  descriptor: TypedPropertyDescriptor<M> & KeyFitsMethod<M, A>,
) => void;

/**
 * Marks a provider method as a task. The default name is `ClassName.methodName`.
 * Options are validated here, when the class is defined: the earliest point.
 * With `debounce`, its key function is type-checked against the method's parameters.
 */
export function Task<A extends unknown[]>(options: Omit<TaskOptions, 'debounce'> & { debounce: DebounceTaskOptions<A> }): DebouncedTaskDecorator<A>;
export function Task(options?: TaskOptions): MethodDecorator;
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
