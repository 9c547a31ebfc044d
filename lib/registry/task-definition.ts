import type { TaskOptions } from '../config/task-options.interface';

/** A task as the registry knows it: the provider instance, the method and its options. */
export interface TaskDefinition {
  readonly name: string;
  readonly className: string;
  readonly methodName: string;
  /** Decorator options merged over the module's defaults. */
  readonly options: Readonly<TaskOptions>;
  /** Calls the method on its provider instance, keeping its `this`. */
  readonly handler: (...args: unknown[]) => unknown;
}
