import { Injectable, NotFoundException } from '@nestjs/common';

export interface Order {
  id: number;
  userId: number;
  amount: number;
  paymentStatus: 'pending' | 'completed';
  chargeId?: string;
}

/** Stands in for the orders table. */
@Injectable()
export class OrdersService {
  private readonly orders = new Map<number, Order>(
    [1, 2, 3].map((id) => [id, { id, userId: id, amount: id * 10, paymentStatus: 'pending' as const }]),
  );

  findOne(id: number): Order {
    const order = this.orders.get(id);
    if (!order) throw new NotFoundException(`No order ${id}`);
    return order;
  }

  all(): Order[] {
    return [...this.orders.values()];
  }

  markPaid(id: number, chargeId: string): void {
    Object.assign(this.findOne(id), { paymentStatus: 'completed', chargeId });
  }
}
