import { ON_TASK_EVENT_METADATA } from '../../constants';
import { TaskConfigError } from '../../errors';
import type { TaskEventType } from '../../serialization/task-event';

export const TASK_EVENT_TYPES: readonly TaskEventType[] = [
  'sent',
  'received',
  'started',
  'succeeded',
  'failed',
  'retried',
  'revoked',
  'worker-online',
  'worker-heartbeat',
  'worker-offline',
];

export interface OnTaskEventOptions {
  /** Only events of this task: an exact name or a glob (`'EmailTasks.*'`). */
  task?: string;
}

export interface OnTaskEventMetadata {
  readonly types: ReadonlySet<TaskEventType> | '*';
  readonly task?: string;
}

/**
 * Calls the method with each event of these types that happens in this process:
 * `@OnTaskEvent('failed')`, `@OnTaskEvent(['failed', 'retried'], { task: 'EmailTasks.*' })`,
 * `@OnTaskEvent('*')`. A handler that throws or rejects is logged; it never
 * affects the task.
 */
export function OnTaskEvent(type: TaskEventType | '*' | readonly TaskEventType[], options: OnTaskEventOptions = {}): MethodDecorator {
  const list = type === '*' ? '*' : Array.isArray(type) ? type : [type];
  return (target, propertyKey, descriptor) => {
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const where = `@OnTaskEvent(${className}.${String(propertyKey)})`;
    if (typeof descriptor.value !== 'function') throw new TaskConfigError(where, descriptor.value, 'a method');
    if (list !== '*') {
      if (list.length === 0) throw new TaskConfigError(`${where} type`, type, `'*' or event types`);
      for (const t of list) {
        if (!TASK_EVENT_TYPES.includes(t)) throw new TaskConfigError(`${where} type`, t, `'*' or one of ${TASK_EVENT_TYPES.join(', ')}`);
      }
    }
    if (options === null || typeof options !== 'object') throw new TaskConfigError(`${where} options`, options, '{ task? }');
    if (options.task !== undefined && (typeof options.task !== 'string' || options.task === '')) {
      throw new TaskConfigError(`${where} task`, options.task, 'a task name or glob');
    }
    const metadata: OnTaskEventMetadata = { types: list === '*' ? '*' : new Set(list), task: options.task };
    Reflect.defineMetadata(ON_TASK_EVENT_METADATA, metadata, descriptor.value);
    return descriptor;
  };
}

export function getOnTaskEventMetadata(method: unknown): OnTaskEventMetadata | undefined {
  return typeof method === 'function' ? Reflect.getMetadata(ON_TASK_EVENT_METADATA, method) : undefined;
}
