import { celeryListFor, celeryQueueLists } from '../../../serialization/celery/celery-priority';

/**
 * Celery's keys (kombu's Redis transport and Celery's Redis result backend), under
 * Celery's `global_keyprefix` (`celery.keyPrefix`, default none). Not ours: they carry
 * no `<prefix>:` and no hash tag.
 */
export class CeleryKeys {
  readonly unacked: string;
  readonly unackedIndex: string;
  readonly unackedMutex: string;

  constructor(readonly prefix: string) {
    this.unacked = `${prefix}unacked`;
    this.unackedIndex = `${prefix}unacked_index`;
    this.unackedMutex = `${prefix}unacked_mutex`;
  }

  /** A queue's four priority lists, in pop order. */
  lists(queue: string): string[] {
    return celeryQueueLists(`${this.prefix}${queue}`);
  }

  /** The list a message of this Celery priority goes to. */
  list(queue: string, celeryPriority: number | undefined): string {
    return celeryListFor(`${this.prefix}${queue}`, celeryPriority);
  }

  /** `celery-task-meta-<id>`: the result record, and the channel it is announced on. */
  result(id: string): string {
    return `${this.prefix}celery-task-meta-${id}`;
  }
}
