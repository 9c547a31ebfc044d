export default async function globalTeardown(): Promise<void> {
  await Promise.all([globalThis.__TEST_REDIS__?.stop(), globalThis.__TEST_REDIS_CLUSTER__?.stop()]);
}
