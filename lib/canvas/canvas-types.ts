 

/** Every leading part of a parameter list: `[]`, `[a]`, `[a, b]`, ... (a rest parameter: itself). */
export type ArgsPrefix<A extends readonly unknown[]> = A extends readonly []
  ? []
  : A extends readonly [infer H, ...infer R]
    ? [] | [H, ...ArgsPrefix<R>]
    : number extends A['length']
      ? A
      : A extends readonly [(infer H)?, ...infer R]
        ? [] | [H, ...ArgsPrefix<R>]
        : A;

/** A parameter list without its first parameter. */
export type DropFirst<A extends readonly unknown[]> = A extends readonly [unknown?, ...infer R] ? R : A;

/**
 * The arguments a signature may fix: the method's leading parameters, or, for a
 * step that gets its parent's result as first argument, the parameters after the first.
 */
export type SignatureArgs<A extends readonly unknown[]> = ArgsPrefix<A> | ArgsPrefix<DropFirst<A>>;
