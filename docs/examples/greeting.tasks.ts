// The task of docs/compatibility.md's ES module example.
import { Injectable } from '@nestjs/common';
import { Task } from 'nestjs-tasks';

@Injectable()
export class GreetingTasks {
  @Task()
  greet(name: string, times: number): string {
    return Array.from({ length: times }, () => `Hello, ${name}!`).join(' ');
  }
}
