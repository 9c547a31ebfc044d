/** `n` in base 36 after a letter giving its length ('a' for one digit): such strings sort as their numbers do. */
export function sortableCount(n: number): string {
  const digits = n.toString(36);
  return String.fromCharCode(96 + digits.length) + digits;
}
