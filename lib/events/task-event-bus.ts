import { Injectable } from '@nestjs/common';
import type { TaskEvent } from '../serialization/task-event';

export type TaskEventListener = (event: TaskEvent) => void;

/**
 * In-process stream of task and worker events. Emitting costs nothing while no
 * one listens; listeners run synchronously and must not throw (errors are dropped).
 */
@Injectable()
export class TaskEventBus {
  private readonly listeners = new Set<TaskEventListener>();

  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: TaskEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TaskEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  }
}
