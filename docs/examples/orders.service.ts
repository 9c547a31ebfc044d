// Stand-in order store for the docs' billing examples.
import { Injectable } from '@nestjs/common';

export interface Order {
  id: number;
  paymentStatus: 'pending' | 'completed';
  chargeId?: string;
}

@Injectable()
export class OrdersService {
  private readonly orders = new Map<number, Order>();

  async findOne(id: number): Promise<Order> {
    return this.orders.get(id) ?? { id, paymentStatus: 'pending' };
  }

  get(id: number): Promise<Order> {
    return this.findOne(id);
  }

  async update(id: number, changes: Partial<Order>): Promise<void> {
    this.orders.set(id, { ...(await this.findOne(id)), ...changes });
  }

  markPaid(id: number): Promise<void> {
    return this.update(id, { paymentStatus: 'completed' });
  }
}
