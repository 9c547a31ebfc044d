import { Injectable } from '@nestjs/common';

/** A plain dependency, injected into the task provider's constructor. */
@Injectable()
export class Greeter {
  readonly word = 'Hello';

  greet(name: string): string {
    return `${this.word}, ${name}!`;
  }
}
