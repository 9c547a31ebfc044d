import { Injectable, OnModuleInit } from '@nestjs/common';
import { TaskHooks } from '../execution/task-hooks';
import { WorkflowEngine } from './workflow-engine';

/** Runs workflows' next steps from every final task outcome, in workers and in eager mode. */
@Injectable()
export class WorkflowHooks implements OnModuleInit {
  constructor(
    private readonly hooks: TaskHooks,
    private readonly engine: WorkflowEngine,
  ) {}

  onModuleInit(): void {
    // Most messages are no workflow step: answer them without a promise.
    this.hooks.onOutcome((message, outcome) =>
      message.link || message.linkError || message.chain || message.chord ? this.engine.onOutcome(message, outcome) : undefined,
    );
  }
}
