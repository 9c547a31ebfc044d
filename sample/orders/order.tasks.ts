import { Injectable } from '@nestjs/common';
import { currentTask, Task } from 'nestjs-tasks';
import { PaymentError, PaymentGateway, TransientError } from '../external/payment-gateway.service';
import { OrdersService } from './orders.service';

/** The article's "Idempotency" and "Error Handling" sections. */
@Injectable()
export class OrderTasks {
  constructor(
    private readonly orders: OrdersService,
    private readonly gateway: PaymentGateway,
  ) {}

  /**
   * charge_customer: safe to run twice. It checks the order first, retries a
   * transient failure in 1 s, and `unique` makes a second enqueue of the same
   * order return the task already queued.
   */
  @Task({ maxRetries: 3, unique: { key: (orderId: number) => String(orderId) } })
  async chargeCustomer(orderId: number): Promise<string> {
    const order = this.orders.findOne(orderId);
    if (order.paymentStatus === 'completed') return 'Already charged';
    try {
      const charge = await this.gateway.charge(order.id, order.amount);
      this.orders.markPaid(order.id, charge.chargeId);
      return charge.chargeId;
    } catch (error) {
      if (error instanceof TransientError) currentTask().retry({ countdown: 1000, cause: error });
      throw error;
    }
  }

  /**
   * unreliable_task: TransientError is retried with exponential backoff (jittered);
   * anything else (PaymentError) fails at once.
   */
  @Task({ maxRetries: 3, retryDelay: 500, retryBackoff: true, retryBackoffMax: 10_000, autoretryFor: [TransientError] })
  async syncWithGateway(orderId: number): Promise<{ orderId: number; synced: true }> {
    const order = this.orders.findOne(orderId);
    await this.gateway.charge(order.id, order.amount); // may throw TransientError or PaymentError
    return { orderId, synced: true };
  }

  /**
   * process_order(order_id): the "pass IDs, not objects" example. At most two orders
   * of one account are processed at a time, across every worker (a concurrency key):
   * one account's burst of orders does not hold up the others'.
   */
  @Task({ concurrency: { limit: 2, key: (_orderId: number, accountId: number) => `account-${accountId}` } })
  async processOrder(orderId: number, accountId: number): Promise<string> {
    const order = this.orders.findOne(orderId);
    if (order.amount <= 0) throw new PaymentError(`Order ${orderId} has nothing to pay`);
    return `Order ${order.id} of account ${accountId} processed`;
  }
}
