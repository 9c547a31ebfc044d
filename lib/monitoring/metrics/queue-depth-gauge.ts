import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { TASK_MONITORING_STORE } from '../../constants';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import { ATTR, MESSAGING_SYSTEM } from '../../telemetry/semconv';
import { TaskTelemetry, type GaugeReading } from '../../telemetry/task-telemetry';

/** The OpenTelemetry gauge of queue depth (no name for it in the messaging conventions yet: the library's own). */
export const QUEUE_DEPTH_GAUGE = 'nestjs_tasks.queue.messages';

/**
 * Messages in each queue by state (ready, delayed, active, dead) as an OpenTelemetry
 * observable gauge, read from the broker only when the app's meter provider collects
 * (every 60 s with the SDK's default reader), like `TaskMetricsModule`'s Prometheus gauge.
 */
@Injectable()
export class QueueDepthGauge implements OnApplicationBootstrap {
  constructor(
    private readonly telemetry: TaskTelemetry,
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
  ) {}

  onApplicationBootstrap(): void {
    this.telemetry.gauge({
      name: QUEUE_DEPTH_GAUGE,
      description: 'Messages in a queue, by state (ready, delayed, active, dead, key_waiting: waiting for a slot of their concurrency key).',
      unit: '{message}',
      read: () => this.read(),
    });
  }

  private async read(): Promise<GaugeReading> {
    const queues = await this.backend.admin.queueNames();
    const counts = await Promise.all(queues.map((queue) => this.backend.admin.counts(queue)));
    return queues.flatMap((queue, i) =>
      (['ready', 'delayed', 'active', 'dead', 'key_waiting'] as const).map((state) => ({
        value: state === 'key_waiting' ? (counts[i].keyWaiting ?? 0) : counts[i][state],
        attributes: { [ATTR.system]: MESSAGING_SYSTEM, [ATTR.destinationName]: queue, [ATTR.queueState]: state },
      })),
    );
  }
}
