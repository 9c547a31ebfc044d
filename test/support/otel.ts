/**
 * A real OpenTelemetry SDK for the telemetry tests: a tracer provider with the in-memory
 * exporter (or any exporter), the AsyncLocalStorage context manager, and a meter provider
 * whose metrics the test collects on demand. Registered globally, as an app's NodeSDK does.
 */
import { context, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';

class CollectingReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface OtelHandle {
  readonly spans: InMemorySpanExporter;
  /** The data points of one metric, with their attributes, as collected now. */
  metric(name: string): Promise<Array<{ attributes: Record<string, unknown>; value: unknown }>>;
  shutdown(): Promise<void>;
}

export function installOtel(exporter: SpanExporter = new InMemorySpanExporter()): OtelHandle {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(tracerProvider);
  const reader = new CollectingReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(meterProvider);
  return {
    spans: exporter as InMemorySpanExporter,
    async metric(name) {
      const { resourceMetrics } = await reader.collect();
      return points(resourceMetrics, name);
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
      trace.disable();
      metrics.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function points(resource: ResourceMetrics, name: string): Array<{ attributes: Record<string, unknown>; value: unknown }> {
  const found: Array<{ attributes: Record<string, unknown>; value: unknown }> = [];
  for (const scope of resource.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints as Array<{ attributes: Record<string, unknown>; value: unknown }>) found.push({ attributes: point.attributes, value: point.value });
    }
  }
  return found;
}

/** What a test needs of a span, also as the worker process prints it (test/fixtures/telemetry-worker-main.ts). */
export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
  status: { code: number; message?: string };
  /** The process that recorded it (printed spans). */
  pid?: number;
}

export function toRecord(span: ReadableSpan): SpanRecord {
  const own = span.spanContext();
  return {
    name: span.name,
    kind: span.kind,
    traceId: own.traceId,
    spanId: own.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: { ...span.attributes },
    links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    status: { ...span.status },
  };
}

/** Spans printed by a worker process as `SPAN {json}` lines. */
export function printedSpans(output: string): SpanRecord[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('SPAN '))
    .map((line) => JSON.parse(line.slice(5)) as SpanRecord);
}
