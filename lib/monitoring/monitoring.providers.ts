import type { Provider } from '@nestjs/common';
import type { Broker } from '../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG, TASK_MONITORING_STORE, TASK_MONITORING_CONFIG } from '../constants';
import type { TaskConfig } from '../config/task-config';
import { TaskAdmin } from './admin/task-admin';
import { RemoteCaller } from './control/remote-caller';
import { TaskControl } from './control/task-control';
import { TaskInspector } from './control/task-inspector';
import { TaskEventPublisher } from './events/task-event-publisher';
import { TaskEventTail } from './events/task-event-tail';
import { TaskEventExplorer } from './events/task-event.explorer';
import { TaskHealthIndicator } from './health/task-health.indicator';
import { MonitoringLifecycle } from './monitoring-lifecycle';
import type { MonitoringConfig } from '../config/monitoring-options';
import { WorkerMonitor } from './workers/worker-monitor';
import { TaskStats } from './stats/task-stats';
import { QueueDepthGauge } from './metrics/queue-depth-gauge';

/** Operations providers that TaskModule registers (events, heartbeats, remote control, admin, health). */
export const MONITORING_PROVIDERS: Provider[] = [
  {
    provide: TASK_MONITORING_CONFIG,
    useFactory: (config: TaskConfig) => config.monitoring,
    inject: [TASK_CONFIG],
  },
  {
    provide: TASK_MONITORING_STORE,
    useFactory: (broker: Broker, config: MonitoringConfig) => broker.openMonitoringStore(config),
    inject: [TASK_BROKER, TASK_MONITORING_CONFIG],
  },
  MonitoringLifecycle,
  TaskEventPublisher,
  TaskEventExplorer,
  TaskEventTail,
  WorkerMonitor,
  RemoteCaller,
  TaskInspector,
  TaskControl,
  TaskAdmin,
  TaskStats,
  TaskHealthIndicator,
  QueueDepthGauge,
];

/** What TaskModule exports of them. */
export const MONITORING_EXPORTS = [
  TASK_MONITORING_CONFIG,
  TASK_MONITORING_STORE,
  TaskEventPublisher,
  TaskEventTail,
  WorkerMonitor,
  TaskInspector,
  TaskControl,
  TaskAdmin,
  TaskStats,
  TaskHealthIndicator,
];
