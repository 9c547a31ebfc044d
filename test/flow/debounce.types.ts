/**
 * Type tests of `@Task({ debounce })`: the key function is checked against the method's
 * parameters. Compiled by `npm run lint` and by debounce-options.spec.ts; every
 * @ts-expect-error must be a real error.
 */
import { Task } from '../../lib';

export class TypedDebounce {
  /** The key may take the leading parameters only. */
  @Task({ debounce: { delay: 100, key: (accountId: string) => accountId } })
  leading(accountId: string, amount: number): Promise<string> {
    return Promise.resolve(`${accountId}:${amount}`);
  }

  @Task({ debounce: { delay: 100, maxWait: 500, key: (accountId: string, amount: number) => `${accountId}:${amount}` } })
  all(accountId: string, amount: number): number {
    return accountId.length + amount;
  }

  @Task({ debounce: { delay: 100, key: () => 'one' } })
  none(): void {}

  @Task({ debounce: { delay: 100, key: (...args: unknown[]) => String(args[0]) } })
  rest(accountId: string): string {
    return accountId;
  }

  /** Without debounce, @Task is the plain method decorator. */
  @Task({ name: 'TypedDebounce.renamed', maxRetries: 1 })
  plain(n: number): number {
    return n;
  }

  // @ts-expect-error the key takes a number where the method takes a string
  @Task({ debounce: { delay: 100, key: (accountId: number) => String(accountId) } })
  wrongType(accountId: string): string {
    return accountId;
  }

  @Task({
    // @ts-expect-error the key returns a number, not a string
    debounce: { delay: 100, key: (accountId: string) => accountId.length },
  })
  notAString(accountId: string): string {
    return accountId;
  }
}
