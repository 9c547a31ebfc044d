import { Logger } from '@nestjs/common';
import { RedisBroker, type SettleOp } from '../../lib/internal';
import type { ResultWrite } from '../../lib/serialization/result-record';
import { TaskState } from '../../lib';
import { SettleBuffer } from '../../lib/worker/settle-buffer';
import { testClusterUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';

/** A real Cluster broker whose settle sends, for ops of ids starting with 'bug-', a command whose keys span slots. */
class BuggyBroker extends RedisBroker {
  sends = 0;
  override async settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    this.sends++;
    if (ops.some((op) => op.id.startsWith('bug-'))) await this.connection.mget('{one}x', '{two}y');
    return super.settle(ops, results);
  }
}

class CapturingLogger extends Logger {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  override error(message: string): void {
    this.errors.push(message);
  }
  override warn(message: string): void {
    this.warnings.push(message);
  }
}

describe('a CROSSSLOT reply while settling', () => {
  it('is a bug: logged once, given up at once, never retried; the other operations go through', async () => {
    const broker = new BuggyBroker(testClusterUrl(), { prefix: uniquePrefix('crossslot'), maxDeliveries: 10, connectRetries: 1, connectRetryDelay: 10 });
    await broker.connect();
    const logger = new CapturingLogger();
    const buffer = new SettleBuffer(broker, logger);
    try {
      const record = { id: 'fine-1', task: 'X.y', state: TaskState.SUCCESS, result: 1, retries: 0, dateDone: Date.now() } as ResultWrite['record'];
      buffer.add({ kind: 'ack', queue: 'q', id: 'bug-1', lease: 'l' }, null);
      buffer.add({ kind: 'ack', queue: 'q', id: 'bug-2', lease: 'l' }, { record, ttl: 60_000 });
      await buffer.flush();
      // Nothing kept for another try, and the good write is stored.
      expect(buffer.size).toBe(0);
      await waitFor(async () => (await broker.getResult('fine-1'))?.state === TaskState.SUCCESS, 'the good result');
      // One send of all three, then each alone: no more.
      expect(broker.sends).toBe(4);
      expect(logger.errors).toHaveLength(1);
      expect(logger.errors[0]).toMatch(/CROSSSLOT.*bug in nestjs-tasks/s);
      expect(logger.warnings).toEqual([]);
    } finally {
      buffer.dispose();
      await broker.close();
    }
  });
});
