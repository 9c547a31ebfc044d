import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Broker } from '../broker/ports/broker';
import { TaskClient } from '../client/task-client';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import type { TaskConfig } from '../config/task-config';
import { TaskHooks } from '../execution/task-hooks';
import { WorkflowEngine } from './workflow-engine';

/** Runs workflows' next steps from every final task outcome, in workers and in eager mode. */
@Injectable()
export class WorkflowHooks implements OnModuleInit {
  private readonly engine: WorkflowEngine;

  constructor(
    private readonly hooks: TaskHooks,
    client: TaskClient,
    @Inject(TASK_CONFIG) config: TaskConfig,
    @Inject(TASK_BROKER) broker: Broker,
  ) {
    this.engine = new WorkflowEngine(client, config, broker);
  }

  onModuleInit(): void {
    // Most messages are no workflow step: answer them without a promise.
    this.hooks.onOutcome((message, outcome) =>
      message.link || message.linkError || message.chain || message.chord ? this.engine.onOutcome(message, outcome) : undefined,
    );
  }
}
