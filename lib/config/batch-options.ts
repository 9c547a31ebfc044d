/** `@Task({ batch })`: the method takes the argument lists of up to `size` messages at once. */
export interface BatchOptions {
  /** Most messages per run: an integer from 1 to 10000. */
  size: number;
  /** Run with fewer than `size` once the first message held has waited this many ms (> 0). */
  wait: number;
}
