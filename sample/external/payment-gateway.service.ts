import { Injectable } from '@nestjs/common';

/** The provider is down for a moment: worth retrying. */
export class TransientError extends Error {
  override name = 'TransientError';
}

/** The card was declined: retrying will not help. */
export class PaymentError extends Error {
  override name = 'PaymentError';
}

/** A stand-in for a payment provider that fails now and then. */
@Injectable()
export class PaymentGateway {
  private calls = 0;

  async charge(orderId: number, amount: number): Promise<{ chargeId: string }> {
    this.calls++;
    if (amount <= 0) throw new PaymentError(`Nothing to charge for order ${orderId}`);
    // Every third call hits a "timeout", as real providers do.
    if (this.calls % 3 === 0) throw new TransientError('gateway timeout');
    return { chargeId: `ch_${orderId}_${Date.now()}` };
  }
}
