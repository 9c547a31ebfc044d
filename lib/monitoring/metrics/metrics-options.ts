import { TaskConfigError } from '../../errors';
import { assertInteger } from '../../utils/validate';
import type { PromRegistry } from './load-prom-client';

/** `TaskMetricsModule.register({...})`. */
export interface TaskMetricsOptions {
  /** Where the endpoint is mounted. Default '/metrics'; null: no endpoint (use TaskMetrics yourself). */
  path?: string | null;
  /** Prefix of every metric name. Default 'nest_tasks_'. */
  prefix?: string;
  /** A prom-client Registry to add the metrics to (yours, with your metrics). Default: a registry of their own. */
  registry?: PromRegistry;
  /** Runtime histogram buckets, seconds. */
  buckets?: number[];
  /**
   * Distinct task names given a label series of their own; events of further names
   * count under `task="other"`. Bounds the series a scrape holds. Default 500.
   */
  maxTaskLabels?: number;
}

export interface ResolvedMetricsOptions {
  path: string | null;
  prefix: string;
  registry?: PromRegistry;
  buckets: number[];
  maxTaskLabels: number;
}

const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export function resolveMetricsOptions(options: TaskMetricsOptions = {}): ResolvedMetricsOptions {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('TaskMetricsModule.register', options, 'an options object');
  const { path = '/metrics', prefix = 'nest_tasks_', registry, buckets = DEFAULT_BUCKETS, maxTaskLabels = 500 } = options;
  assertInteger('maxTaskLabels', maxTaskLabels, 1);
  if (path !== null && (typeof path !== 'string' || !path.startsWith('/'))) throw new TaskConfigError('path', path, "a path starting with '/', or null");
  if (typeof prefix !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new TaskConfigError('prefix', prefix, 'a Prometheus metric name prefix');
  if (registry !== undefined && (typeof registry !== 'object' || typeof registry?.metrics !== 'function')) {
    throw new TaskConfigError('registry', registry, 'a prom-client Registry');
  }
  if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b, i) => typeof b !== 'number' || !(b > 0) || (i > 0 && b <= buckets[i - 1]))) {
    throw new TaskConfigError('buckets', buckets, 'increasing positive numbers of seconds');
  }
  return { path, prefix, registry, buckets, maxTaskLabels };
}
