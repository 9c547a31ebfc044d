import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Broker } from '../broker/ports/broker';
import { TASK_BROKER } from '../constants';

/** Closes the broker's connections last, after workers have drained. */
@Injectable()
export class BrokerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(TASK_BROKER) private readonly broker: Broker) {}

  async onApplicationShutdown(): Promise<void> {
    await this.broker.close();
  }
}
