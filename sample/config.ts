/** Settings of the sample, from the environment. */
export const sampleConfig = {
  /** `memory://` (one process, nothing to install) unless REDIS_URL is set. */
  broker: process.env.REDIS_URL ?? 'memory://',
  port: Number(process.env.PORT ?? 3000),
  /** The Celery queue `legacy` (sample/celery) needs Redis. */
  celery: process.env.REDIS_URL !== undefined,
  /** Queues the worker consumes: `QUEUES=emails,images` for a dedicated worker. */
  queues: (process.env.QUEUES ?? `default,emails,images,reports${process.env.REDIS_URL ? ',legacy' : ''}`).split(',').filter(Boolean),
  concurrency: Number(process.env.CONCURRENCY ?? 4),
};
