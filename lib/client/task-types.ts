/* eslint-disable @typescript-eslint/no-explicit-any */
/** A class whose methods may be tasks. */
export type TaskClass<T = any> = abstract new (...args: any[]) => T;

/** Names of the methods of T. */
export type TaskMethodName<T> = {
  [K in keyof T]-?: T[K] extends (...args: any[]) => any ? K : never;
}[keyof T] &
  string;

/** The parameters of method K of T. */
export type TaskArgs<T, K extends keyof T> = T[K] extends (...args: infer A) => any ? A : never;

/** What method K of T resolves to. */
export type TaskReturn<T, K extends keyof T> = T[K] extends (...args: any[]) => infer R ? Awaited<R> : never;
