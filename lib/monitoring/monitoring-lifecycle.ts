import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { TASK_MONITORING_STORE } from '../constants';
import type { MonitoringStore } from '../broker/ports/monitoring-store';

/** Closes the monitoring connections (event tail, reply channel) at shutdown. */
@Injectable()
export class MonitoringLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}
