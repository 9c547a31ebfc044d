import { Injectable } from '@nestjs/common';
import { DuplicateTaskError, Task, TaskClient, TaskRegistry, TaskWorker, getTaskMetadata } from '../../lib/internal';
import { BillingModule, BillingTasks, ShippingModule, ShippingTasks } from '../fixtures/foundation-modules';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness } from './harness';

describe('@Task discovery', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  it('finds tasks in every module, named Class.method unless @Task({ name }) pins it', async () => {
    const app = await h.taskApp({ eager: true }, [FoundationTasks, Greeter], [ShippingModule]);
    const names = app.get(TaskRegistry).names();
    expect(names).toEqual(
      expect.arrayContaining(['BillingTasks.invoice', 'billing.refund', 'ShippingTasks.ship', 'FoundationTasks.greet', 'foundation.echo']),
    );
    expect(names).not.toContain('BillingTasks.refund');
    expect(names).not.toContain('FoundationTasks.notATask');
    expect(getTaskMetadata(BillingTasks.prototype.refund)?.name).toBe('billing.refund');
    expect(getTaskMetadata(ShippingTasks.prototype.ship)?.name).toBe('ShippingTasks.ship');
  });

  it('a worker app runs tasks of nested modules that a producer app enqueues', async () => {
    const prefix = uniquePrefix();
    const worker = await h.taskApp({ broker: testRedisUrl(), prefix }, [], [ShippingModule]);
    await worker.get(TaskWorker).start();
    const producer = await h.taskApp({ broker: testRedisUrl(), prefix }, []);
    const client = producer.get(TaskClient);

    const invoice = await client.delay(BillingTasks, 'invoice', 7);
    const refund = await client.delay(BillingTasks, 'refund', 8);
    const ship = await client.delay(ShippingTasks, 'ship', 9);
    const byName = await client.send<string>('billing.refund', [10]);
    await expect(invoice.get({ timeout: 5000 })).resolves.toBe('invoice-7');
    await expect(refund.get({ timeout: 5000 })).resolves.toBe('refund-8');
    await expect(ship.get({ timeout: 5000 })).resolves.toBe('shipped-9');
    await expect(byName.get({ timeout: 5000 })).resolves.toBe('refund-10');
    // The handler ran on the worker's own provider instance (from BillingModule).
    expect(worker.get(BillingTasks, { strict: false }).invoices).toEqual([7]);
  });

  it('two tasks with one name are a start-up error naming both', async () => {
    @Injectable()
    class FirstMailer {
      @Task({ name: 'mail.send' })
      send(): void {}
    }
    @Injectable()
    class SecondMailer {
      @Task({ name: 'mail.send' })
      deliver(): void {}
    }
    const failure = h.taskApp({}, [FirstMailer, SecondMailer]);
    await expect(failure).rejects.toBeInstanceOf(DuplicateTaskError);
    await expect(failure).rejects.toThrow(/'mail\.send'.*FirstMailer\.send.*SecondMailer\.deliver/);
  });

  it('a pinned name that collides with a default name is an error too', async () => {
    @Injectable()
    class Reports {
      @Task()
      build(): void {}
    }
    @Injectable()
    class Impostor {
      @Task({ name: 'Reports.build' })
      other(): void {}
    }
    await expect(h.taskApp({}, [Reports, Impostor])).rejects.toThrow(/'Reports\.build'.*Reports\.build.*Impostor\.other/);
  });

  it('a task method on a class that is not a provider is not registered', async () => {
    const app = await h.taskApp({ eager: true }, [], [BillingModule]);
    expect(app.get(TaskRegistry).has('ShippingTasks.ship')).toBe(false);
    expect(app.get(TaskRegistry).has('BillingTasks.invoice')).toBe(true);
  });
});
