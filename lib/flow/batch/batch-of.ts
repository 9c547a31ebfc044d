declare const BATCH_ITEM: unique symbol;

/**
 * The parameter type of a batch method: the argument lists of its messages, one
 * tuple per message. `handle(items: BatchOf<[userId: string, n: number]>)` is enqueued
 * with `delay(Cls, 'handle', userId, n)`. The brand exists only for the type checker.
 */
export type BatchOf<A extends readonly unknown[]> = ReadonlyArray<A> & { readonly [BATCH_ITEM]: A };

/** The argument tuple of one item of a batch parameter, or never. */
export type BatchItemArgs<P> = P extends { readonly [BATCH_ITEM]: infer A } ? A : never;
