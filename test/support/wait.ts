/** A task's own run time in fixtures, or a test's pacing where the wait is what is tested. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep its process alive (for tasks that are left hanging). */
export const idleSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Polls a condition from the test side (the library itself never polls). */
export async function waitFor<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 15_000, everyMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
