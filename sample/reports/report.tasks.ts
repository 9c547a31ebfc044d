import { Injectable, Logger } from '@nestjs/common';
import { currentTask, SoftTimeLimitExceeded, Task } from 'nestjs-tasks';

/** The article's "Timeouts" and "Task Routing" (reports and images queues). */
@Injectable()
export class ReportTasks {
  private readonly logger = new Logger('ReportTasks');

  /**
   * long_running_task: at 3 s the signal aborts with SoftTimeLimitExceeded so the
   * task can clean up; at 4 s it is stopped and fails with TimeLimitExceeded.
   */
  @Task({ queue: 'reports', softTimeLimit: 3000, timeLimit: 4000, maxRetries: 0 })
  async generateReport(rows: number): Promise<{ rows: number; partial: boolean }> {
    const { signal } = currentTask();
    let done = 0;
    while (done < rows) {
      if (signal.aborted && signal.reason instanceof SoftTimeLimitExceeded) {
        this.logger.warn(`Report cut at ${done} rows: cleaning up`);
        return { rows: done, partial: true };
      }
      await new Promise((resolve) => setTimeout(resolve, 10)); // one "row"
      done++;
    }
    return { rows: done, partial: false };
  }

  @Task({ queue: 'images', rateLimit: '10/m' })
  async processImage(imageId: number): Promise<string> {
    return `image ${imageId} resized`;
  }
}
