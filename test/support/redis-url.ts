import { randomBytes } from 'node:crypto';

/** The Redis the suite runs against (its own server, or REDIS_URL). */
export function testRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: run the tests through jest (global setup starts Redis)');
  return url;
}

/** A key prefix no other test uses, so tests never touch each other's keys. */
export function uniquePrefix(name = 't'): string {
  return `${name}-${randomBytes(4).toString('hex')}`;
}

/** The suite's own Redis Cluster (3 masters): `redis+cluster://h:p,h:p,h:p`. */
export function testClusterUrl(): string {
  const url = process.env.TEST_REDIS_CLUSTER_URL;
  if (!url) throw new Error('TEST_REDIS_CLUSTER_URL is not set: run the tests through jest (global setup starts the cluster)');
  return url;
}

/** The cluster's nodes, each as { host, port }. */
export function testClusterNodes(): Array<{ host: string; port: number }> {
  return testClusterUrl()
    .replace(/^[^/]*\/\//, '')
    .split(',')
    .map((entry) => {
      const [host, port] = entry.split(':');
      return { host, port: Number(port) };
    });
}
