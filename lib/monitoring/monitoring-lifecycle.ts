import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { TASK_MONITORING_BACKEND } from '../constants';
import type { MonitoringBackend } from './monitoring-backend';

/** Closes the monitoring connections (event tail, reply channel) at shutdown. */
@Injectable()
export class MonitoringLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TASK_MONITORING_BACKEND) private readonly backend: MonitoringBackend) {}

  async onApplicationShutdown(): Promise<void> {
    await this.backend.close();
  }
}
