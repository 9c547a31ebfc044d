import { Injectable } from '@nestjs/common';
import { currentTask, Task } from 'nestjs-tasks';
import { Greeter } from './greeter.service.js';

export interface Greeting {
  text: string;
  task: string;
}

@Injectable()
export class GreetingTasks {
  constructor(private readonly greeter: Greeter) {}

  @Task()
  async greet(name: string, times: number): Promise<Greeting> {
    const text = Array.from({ length: times }, () => this.greeter.greet(name)).join(' ');
    return { text, task: currentTask().name };
  }
}
