import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TASK_METRICS_OPTIONS } from '../../constants';
import { TaskAdmin } from '../admin/task-admin';
import { TaskEventTail } from '../events/task-event-tail';
import type { StoredEvent } from '../../broker/ports/stored-event';
import { loadPromClient, type PromCounter, type PromHistogram, type PromRegistry } from './load-prom-client';
import type { ResolvedMetricsOptions } from './metrics-options';

/** Concurrency keys per queue with a series of their own (the ones with the most tasks waiting). */
const TOP_KEYS = 10;
const TASK_EVENTS = new Set(['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked']);

/**
 * Prometheus metrics of the whole namespace, like Flower's: task counts by name and
 * state and runtimes come from the event stream (every worker's events, counted
 * from when this process started), queue lengths and workers are read at scrape time.
 */
@Injectable()
export class TaskMetrics implements OnModuleInit, OnModuleDestroy {
  readonly registry: PromRegistry;
  private readonly tasks: PromCounter;
  private readonly runtime: PromHistogram;
  private unsubscribe?: () => void;
  /** Task names with a label series of their own (at most maxTaskLabels). */
  private readonly labelled = new Set<string>();
  private readonly maxTaskLabels: number;

  constructor(
    @Inject(TASK_METRICS_OPTIONS) options: ResolvedMetricsOptions,
    private readonly admin: TaskAdmin,
    private readonly tail: TaskEventTail,
  ) {
    const prom = loadPromClient();
    const { prefix, buckets } = options;
    this.maxTaskLabels = options.maxTaskLabels;
    this.registry = options.registry ?? new prom.Registry();
    const registers = [this.registry];
    this.tasks = new prom.Counter({
      name: `${prefix}tasks_total`,
      help: 'Task events by task name and state (sent, received, started, succeeded, failed, retried, revoked)',
      labelNames: ['task', 'state'],
      registers,
    });
    this.runtime = new prom.Histogram({
      name: `${prefix}task_runtime_seconds`,
      help: 'Run time of succeeded tasks, seconds',
      labelNames: ['task'],
      buckets,
      registers,
    });
    const read = this.admin;
    new prom.Gauge({
      name: `${prefix}queue_messages`,
      help: 'Messages in a queue by state (ready, delayed, active, dead, key_waiting: waiting for a slot of their concurrency key)',
      labelNames: ['queue', 'state'],
      registers,
      async collect(this: { set: (labels: Record<string, string>, value: number) => void; reset: () => void }) {
        this.reset();
        for (const q of await read.queues()) {
          for (const state of ['ready', 'delayed', 'active', 'dead'] as const) this.set({ queue: q.name, state }, q[state]);
          this.set({ queue: q.name, state: 'key_waiting' }, q.keyWaiting ?? 0);
        }
      },
    });
    new prom.Gauge({
      name: `${prefix}concurrency_key_waiting`,
      help: `Tasks waiting for a slot of their concurrency key, for the ${TOP_KEYS} keys of each queue with the most`,
      labelNames: ['queue', 'key'],
      registers,
      async collect(this: { set: (labels: Record<string, string>, value: number) => void; reset: () => void }) {
        this.reset();
        for (const q of await read.queues()) {
          if (!q.keyWaiting) continue;
          for (const { key, waiting } of await read.concurrencyKeys(q.name, { limit: TOP_KEYS })) this.set({ queue: q.name, key }, waiting);
        }
      },
    });
    new prom.Gauge({
      name: `${prefix}workers`,
      help: 'Known workers by status (online, lost, offline)',
      labelNames: ['status'],
      registers,
      async collect(this: { set: (labels: Record<string, string>, value: number) => void }) {
        const counts = { online: 0, lost: 0, offline: 0 };
        for (const worker of await read.workers()) counts[worker.status]++;
        for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
      },
    });
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.tail.subscribe((events) => this.count(events));
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private count(events: StoredEvent[]): void {
    for (const event of events) {
      if (!TASK_EVENTS.has(event.type) || !event.task) continue;
      const task = this.label(event.task);
      this.tasks.inc({ task, state: event.type });
      if (event.type === 'succeeded' && typeof event.runtime === 'number') this.runtime.observe({ task }, event.runtime / 1000);
    }
  }

  /** The task's own name while there is room for it, else 'other': names come from messages, unbounded. */
  private label(task: string): string {
    if (this.labelled.has(task)) return task;
    if (this.labelled.size >= this.maxTaskLabels) return 'other';
    this.labelled.add(task);
    return task;
  }
}
