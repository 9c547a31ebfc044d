import { OptionalDependencyError } from '../../errors';

/** The parts of prom-client the metrics use (prom-client stays an optional peer dependency). */
export interface PromClient {
  Registry: new () => PromRegistry;
  Counter: new (config: Record<string, unknown>) => PromCounter;
  Gauge: new (config: Record<string, unknown>) => PromGauge;
  Histogram: new (config: Record<string, unknown>) => PromHistogram;
}

/** A prom-client `Registry`. */
export interface PromRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
  registerMetric(metric: unknown): void;
  getSingleMetric(name: string): unknown;
}

export interface PromCounter {
  inc(labels: Record<string, string>, value?: number): void;
}

export interface PromGauge {
  set(labels: Record<string, string>, value: number): void;
  reset(): void;
}

export interface PromHistogram {
  observe(labels: Record<string, string>, value: number): void;
}

/** Loads prom-client on first use; a clear error names the package when it is missing. */
export function loadPromClient(feature = 'TaskMetricsModule'): PromClient {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('prom-client') as PromClient;
  } catch (error) {
    throw new OptionalDependencyError('prom-client', feature, error);
  }
}
