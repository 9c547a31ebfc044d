/**
 * Registers a recording OpenTelemetry SDK in this process: every span sampled, ended spans
 * batched by a BatchSpanProcessor to an exporter that drops them, and a meter provider.
 * Loaded only where it is wanted (it replaces the process's global providers), once per
 * process (a global provider is registered only once). Returns a counter of the spans
 * exported so far (flushing first).
 */
export function installRecordingSdk(): Promise<() => Promise<number>> {
  installed ??= install();
  return installed;
}

let installed: Promise<() => Promise<number>> | undefined;

async function install(): Promise<() => Promise<number>> {
  const api = await import('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
  const { BasicTracerProvider, BatchSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
  const { MeterProvider, MetricReader } = await import('@opentelemetry/sdk-metrics');
  let ended = 0;
  const dropAll = {
    export: (spans: unknown[], done: (result: { code: number }) => void) => {
      ended += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
  };
  class Reader extends MetricReader {
    protected onForceFlush = () => Promise.resolve();
    protected onShutdown = () => Promise.resolve();
  }
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropAll, { maxQueueSize: 65_536, maxExportBatchSize: 1024 })] });
  api.trace.setGlobalTracerProvider(provider);
  api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new Reader()] }));
  return async () => {
    await provider.forceFlush();
    return ended;
  };
}
