import type { MemoryQueues } from './memory-queues';
import type { ResultRecord } from '../../serialization/result-record';
import { admissionKey, type TaskMessage } from '../../serialization/task-message';
import { tryDecodeStored } from '../ports/stored-message';
import { parseDeadLetter } from '../ports/dead-letter-entry';
import type { ConcurrencyKeyInfo, DeadLetterEntry, QueueAdmin, QueueCounts, ScheduledMessage } from '../ports/queue-admin';

/** QueueAdmin on the memory broker's queues (one process). */
export class MemoryQueueAdmin implements QueueAdmin {
  private readonly kept = new Map<string, { message: TaskMessage; expiresAt: number }>();

  constructor(private readonly broker: MemoryQueues) {}

  async ping(): Promise<number> {
    return 0;
  }

  async queueNames(): Promise<string[]> {
    return this.broker.queueNames().sort();
  }

  async counts(queue: string): Promise<QueueCounts> {
    const q = this.broker.queueState(queue);
    const counts: QueueCounts = { ready: q.ready.length + q.prio.length, delayed: q.delayed.size, active: q.active.size, dead: q.dead.length };
    const keyWaiting = q.keyWaiting;
    if (keyWaiting > 0) counts.keyWaiting = keyWaiting;
    return counts;
  }

  async concurrencyKeys(queue: string, limit: number): Promise<ConcurrencyKeyInfo[]> {
    const q = this.broker.queueState(queue);
    return [...q.lines]
      .map(([key, line]) => ({ key, admitted: q.running.get(key) ?? 0, waiting: line.length }))
      .sort((a, b) => b.waiting - a.waiting || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, limit);
  }

  async purge(queue: string, onChunk?: (purged: string[], removed: number, remaining: number) => Promise<void> | void): Promise<number> {
    const q = this.broker.queueState(queue);
    // The lines first: purging admitted ids then admits none of them.
    const ids = [...q.lines.values()].flat();
    q.lines.clear();
    ids.push(...q.ready, ...q.prio.map((entry) => entry.id), ...q.delayed.keys());
    q.ready.length = 0;
    q.prio.length = 0;
    q.delayed.clear();
    for (const id of ids) q.forget(id);
    await onChunk?.(ids, ids.length, 0);
    return ids.length;
  }

  async scheduled(queue: string, limit: number): Promise<ScheduledMessage[]> {
    const q = this.broker.queueState(queue);
    return [...q.delayed]
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id, eta]) => ({ id, queue, eta, message: tryDecodeStored(q.messages.get(id), id, queue) }));
  }

  async message(queue: string, id: string): Promise<TaskMessage | null> {
    return tryDecodeStored(this.broker.queueState(queue).messages.get(id), id, queue);
  }

  async deadLetters(queue: string, offset: number, limit: number): Promise<DeadLetterEntry[]> {
    return this.broker
      .queueState(queue)
      .dead.slice(offset, offset + limit)
      .map((entry) => parseDeadLetter(queue, entry));
  }

  async findDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    for (const entry of this.broker.queueState(queue).dead) {
      const parsed = parseDeadLetter(queue, entry);
      if (parsed.id === id) return parsed;
    }
    return null;
  }

  async requeueDeadLetter(entry: DeadLetterEntry, body: string, priority: number): Promise<1 | 0 | -1> {
    const q = this.broker.queueState(entry.queue);
    if (q.messages.has(entry.id)) return -1;
    const at = q.dead.indexOf(entry.entry);
    if (at === -1) return 0;
    q.dead.splice(at, 1);
    q.lost.delete(entry.id);
    const message = tryDecodeStored(body, entry.id, entry.queue);
    const concurrency = message ? admissionKey(message) : undefined;
    await this.broker.publish([{ id: entry.id, queue: entry.queue, body, priority, ...(concurrency ? { concurrency } : {}) }]);
    return 1;
  }

  async deleteDeadLetter(entry: DeadLetterEntry): Promise<boolean> {
    const dead = this.broker.queueState(entry.queue).dead;
    const at = dead.indexOf(entry.entry);
    if (at === -1) return false;
    dead.splice(at, 1);
    return true;
  }

  async keepMessage(message: TaskMessage, ttl: number): Promise<void> {
    this.kept.set(message.id, { message: JSON.parse(JSON.stringify(message)) as TaskMessage, expiresAt: Date.now() + ttl });
  }

  async keptMessage(id: string): Promise<TaskMessage | null> {
    const entry = this.kept.get(id);
    if (!entry) return null;
    if (entry.expiresAt <= Date.now()) {
      this.kept.delete(id);
      return null;
    }
    return entry.message;
  }

  async dropKeptMessage(id: string): Promise<void> {
    this.kept.delete(id);
  }

  async sampleResults(limit: number): Promise<ResultRecord[]> {
    return this.broker.resultRecords(limit);
  }

  async getResults(ids: string[]): Promise<Array<ResultRecord | null>> {
    return Promise.all(ids.map((id) => this.broker.getResult(id)));
  }
}
