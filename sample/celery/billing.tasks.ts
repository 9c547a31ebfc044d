import { Injectable, Logger } from '@nestjs/common';
import { Task, currentTask } from 'nestjs-tasks';

/**
 * Tasks the Django side sends by their Python names (`send_task('billing.charge', ...)`)
 * on the Celery queue `legacy` (docs/celery.md). `sample/celery/send_charge.py` sends one.
 */
@Injectable()
export class BillingTasks {
  private readonly logger = new Logger(BillingTasks.name);

  @Task({ name: 'billing.charge', kwargs: true, maxRetries: 0 })
  charge(account: string, cents: number): { account: string; cents: number; currency: string; chargedBy: string } {
    const { currency = 'EUR' } = currentTask().kwargs as { currency?: string };
    if (cents <= 0) throw new RangeError(`cannot charge ${cents} cents`);
    this.logger.log(`Charging ${account} ${cents} ${currency} for Python`);
    return { account, cents, currency, chargedBy: `nestjs-tasks worker ${process.pid}` };
  }
}
