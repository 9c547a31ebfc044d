import type { TaskClient } from 'nestjs-tasks';
import { GreetingTasks } from './greeting.tasks.js';

/** Never called: compiling it proves the packed typings check arguments and method names. */
export function typingCheck(client: TaskClient): unknown[] {
  return [
    // @ts-expect-error `times` is a number
    client.delay(GreetingTasks, 'greet', 'Ada', 'two'),
    // @ts-expect-error no such method
    client.delay(GreetingTasks, 'wave', 'Ada'),
  ];
}
