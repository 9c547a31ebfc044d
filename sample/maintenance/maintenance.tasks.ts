import { Injectable, Logger } from '@nestjs/common';
import { Periodic, Task } from 'nestjs-tasks';
import { UsersService } from '../users/users.service';

/** The article's CELERY_BEAT_SCHEDULE: 'daily-cleanup' and 'every-5-minutes'. */
@Injectable()
export class MaintenanceTasks {
  private readonly logger = new Logger('MaintenanceTasks');

  constructor(private readonly users: UsersService) {}

  @Periodic('0 3 * * *', { name: 'daily-cleanup', tz: 'UTC' })
  @Task()
  async cleanupOldRecords(): Promise<number> {
    this.logger.log('cleaning up old records');
    return 0;
  }

  @Periodic({ every: 300_000, name: 'every-5-minutes' })
  async syncExternalData(): Promise<number> {
    const ids = this.users.activeIds();
    this.logger.log(`synced ${ids.length} users with the external system`);
    return ids.length;
  }
}
