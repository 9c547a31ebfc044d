// Stand-in payment provider for the docs' billing examples.
import { Injectable } from '@nestjs/common';
import type { Order } from './orders.service';

/** A failure worth retrying (the provider timed out, said "try again"). */
export class PaymentError extends Error {}

@Injectable()
export class PaymentsService {
  async charge(order: Order, options: { idempotencyKey?: string } = {}): Promise<{ id: string }> {
    return { id: options.idempotencyKey ?? `ch_${order.id}` };
  }
}
