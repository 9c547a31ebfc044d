import { Injectable, Logger } from '@nestjs/common';
import { OnTaskEvent, type TaskEvent } from 'nestjs-tasks';

/** Reacts to failures in code, where a pager or a chat message would go. */
@Injectable()
export class TaskAlerts {
  private readonly logger = new Logger('TaskAlerts');

  @OnTaskEvent('failed')
  onFailure(event: TaskEvent): void {
    this.logger.warn(`ALERT ${event.task}[${event.taskId}] failed: ${event.error?.name}: ${event.error?.message}`);
  }
}
