import { startRedisServer, type RedisServerHandle } from './redis-server';

declare global {
   
  var __TEST_REDIS__: RedisServerHandle | undefined;
}

/** Starts the suite's own redis-server unless REDIS_URL names one to use instead. */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    process.env.TEST_REDIS_URL = process.env.REDIS_URL;
    return;
  }
  const server = await startRedisServer();
  globalThis.__TEST_REDIS__ = server;
  process.env.TEST_REDIS_URL = server.url;
}
