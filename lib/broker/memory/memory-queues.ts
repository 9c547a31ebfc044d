import type { ResultRecord } from '../../serialization/result-record';
import type { MessageQueue } from '../ports/message-queue';
import type { ResultStore } from '../ports/result-store';
import type { MemoryQueue } from './memory-queue';

/** What the memory backend's admin reads and changes in place: its queues and results. */
export interface MemoryQueues extends MessageQueue, ResultStore {
  queueNames(): string[];
  queueState(name: string): MemoryQueue;
  resultRecords(limit: number): ResultRecord[];
}
