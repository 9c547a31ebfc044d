/** Per-queue options: `TaskModule.forRoot({ queues: { legacy: { protocol: 'celery' } } })`. */
export interface QueueOptions {
  /**
   * The wire format and keys of the queue. `'native'` (default): ours, under the module's
   * prefix. `'celery'`: Celery's protocol on kombu's Redis keys, so Python Celery workers
   * and producers share the queue (docs/celery.md).
   */
  protocol?: 'native' | 'celery';
}
