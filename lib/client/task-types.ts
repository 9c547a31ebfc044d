/* eslint-disable @typescript-eslint/no-explicit-any */
import type { BatchItemArgs } from '../flow/batch/batch-of';
import type { BatchItemFailure } from '../flow/batch/batch-item-failure';

/** A class whose methods may be tasks. */
export type TaskClass<T = any> = abstract new (...args: any[]) => T;

/** Names of the methods of T. */
export type TaskMethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: any[]) => any ? K : never;
}[keyof T] &
  string;

/** True when the parameters are one `BatchOf<...>` list (a batch method). */
type IsBatch<P> = P extends [infer Items] ? ([BatchItemArgs<Items>] extends [never] ? false : true) : false;

/** The parameters of method K of T; for a batch method (`items: BatchOf<A>`), one item's `A`. */
export type TaskArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => any
  ? IsBatch<A> extends true
    ? BatchItemArgs<A[0]>
    : A
  : never;

/** What method K of T resolves to; for a batch method, one element of the list it returns. */
export type TaskReturn<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R
  ? IsBatch<A> extends true
    ? Exclude<Awaited<R> extends ReadonlyArray<infer E> ? E : never, BatchItemFailure>
    : Awaited<R>
  : never;
