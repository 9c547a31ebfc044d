import { Inject, Injectable } from '@nestjs/common';
import { TaskDispatcher } from '../../dispatch/task-dispatcher';
import { TASK_BROKER, TASK_CONFIG, TASK_MONITORING_STORE } from '../../constants';
import type { Broker } from '../../broker/ports/broker';
import type { TaskConfig } from '../../config/task-config';
import { DeadLetterNotFoundError, TaskConfigError, TaskNotRetryableError } from '../../errors';
import type { ResultRecord } from '../../serialization/result-record';
import { isReadyState, TaskState } from '../../serialization/task-state';
import { encodeMessage, type TaskMessage } from '../../serialization/task-message';
import { assertInteger, assertQueueName } from '../../utils/validate';
import { compareEvents } from '../../broker/ports/by-time';
import type { StoredEvent } from '../../broker/ports/stored-event';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import type { WorkerView } from '../../broker/ports/worker-state';
import type { ConcurrencyKeyInfo, DeadLetterEntry, ScheduledMessage } from '../../broker/ports/queue-admin';
import { QueueShards } from '../../routing/queue-shards';
import { parseShardName } from '../../config/shard-names';
import type { QueueInfo, TaskDetail, TaskFilter, TaskSummary } from './task-views';

function sum<K extends 'ready' | 'delayed' | 'active' | 'dead'>(counts: ReadonlyArray<Record<K, number>>, key: K): number {
  return counts.reduce((total, c) => total + c[key], 0);
}

const EVENT_STATES: Partial<Record<StoredEvent['type'], TaskState>> = {
  sent: TaskState.PENDING,
  received: TaskState.RECEIVED,
  started: TaskState.STARTED,
  succeeded: TaskState.SUCCESS,
  failed: TaskState.FAILURE,
  retried: TaskState.RETRY,
  revoked: TaskState.REVOKED,
};
const RATE_WINDOW_MS = 60_000;
const RECENT_EVENTS = 5000;

/**
 * What operators see and do, for the dashboard, `nest-tasks` and code: workers,
 * queues, tasks (from the event stream and the result keys), dead letters, purge,
 * retry and revoke.
 */
@Injectable()
export class TaskAdmin {
  constructor(
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
    private readonly dispatcher: TaskDispatcher,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
  ) {}

  /** Round trip to the broker, ms; throws when it cannot be reached. */
  ping(): Promise<number> {
    return this.backend.admin.ping();
  }

  workers(): Promise<WorkerView[]> {
    return this.backend.workers.list();
  }

  recentEvents(limit = 100): Promise<StoredEvent[]> {
    return this.backend.events.recent(limit);
  }

  /** Every queue, a sharded one as one entry (its counts summed) with its shards' detail. */
  async queues(): Promise<QueueInfo[]> {
    const [names, workers, events] = await Promise.all([this.backend.admin.queueNames(), this.workers(), this.backend.events.recent(RECENT_EVENTS)]);
    const all = new Set(names.map((name) => parseShardName(name).queue));
    for (const worker of workers) if (worker.status === 'online') for (const queue of worker.queues) all.add(queue);
    const rates = ratesByQueue(events);
    return Promise.all(
      [...all].sort().map(async (name) => {
        const physical = this.shardsOf(name, names);
        const counts = await Promise.all(physical.map(async (shard) => ({ name: shard, ...(await this.backend.admin.counts(shard)) })));
        const info: QueueInfo = {
          name,
          ready: sum(counts, 'ready'),
          delayed: sum(counts, 'delayed'),
          active: sum(counts, 'active'),
          dead: sum(counts, 'dead'),
          consumers: workers.filter((w) => w.status === 'online' && w.queues.includes(name)).map((w) => w.id),
          processedPerMinute: rates.get(name)?.processed ?? 0,
          sentPerMinute: rates.get(name)?.sent ?? 0,
        };
        const keyWaiting = counts.reduce((total, c) => total + (c.keyWaiting ?? 0), 0);
        if (keyWaiting > 0) info.keyWaiting = keyWaiting;
        if (physical.length > 1) info.shards = counts;
        if (counts.some((c) => c.protocol === 'celery')) info.protocol = 'celery';
        return info;
      }),
    );
  }

  /** The physical queues of `queue`: its configured shards and any other shard ever published to. */
  private shardsOf(queue: string, known: readonly string[]): string[] {
    const shards = new Set(new QueueShards(this.config.queues).names(queue));
    for (const name of known) if (parseShardName(name).queue === queue) shards.add(name);
    return [...shards].sort((a, b) => parseShardName(a).shard - parseShardName(b).shard);
  }

  private async physicalQueues(queue: string): Promise<string[]> {
    return this.shardsOf(queue, await this.backend.admin.queueNames());
  }

  /**
   * Removes every waiting message (ready and delayed) of `queue`; returns how many.
   * Their tasks end REVOKED (unless started or final already), so nobody waits for them.
   */
  async purge(queue: string, onProgress?: (removed: number, remaining: number) => void): Promise<number> {
    if (queue === undefined) throw new TaskConfigError('queue', queue, 'a queue name');
    assertQueueName('queue', queue);
    let total = 0;
    for (const shard of await this.physicalQueues(queue)) {
      const before = total;
      total += await this.backend.admin.purge(shard, async (purged, removed, remaining) => {
        if (purged.length > 0) await this.broker.markRevoked(purged, this.config.resultExpires);
        onProgress?.(before + removed, remaining);
      });
    }
    return total;
  }

  /**
   * The concurrency keys of `queue` (every shard) with the most tasks waiting for a slot,
   * most first: the keys at their limit.
   */
  async concurrencyKeys(queue: string, options: { limit?: number } = {}): Promise<ConcurrencyKeyInfo[]> {
    assertQueueName('queue', queue);
    const limit = options.limit ?? 20;
    assertInteger('limit', limit, 1, 10_000);
    const shards = await this.physicalQueues(queue);
    const all = (await Promise.all(shards.map((shard) => this.backend.admin.concurrencyKeys(shard, limit)))).flat();
    return all.sort((a, b) => b.waiting - a.waiting || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
  }

  /** Messages waiting for their eta, in every queue (or one), soonest first. */
  async scheduled(options: { queue?: string; limit?: number } = {}): Promise<ScheduledMessage[]> {
    const limit = options.limit ?? 100;
    assertInteger('limit', limit, 1, 10_000);
    assertQueueName('queue', options.queue);
    const queues = options.queue ? await this.physicalQueues(options.queue) : await this.backend.admin.queueNames();
    const all = (await Promise.all(queues.map((q) => this.backend.admin.scheduled(q, limit)))).flat();
    return all.sort((a, b) => a.eta - b.eta).slice(0, limit);
  }

  async deadLetters(queue: string, options: { offset?: number; limit?: number } = {}): Promise<DeadLetterEntry[]> {
    assertQueueName('queue', queue);
    const { offset = 0, limit = 100 } = options;
    assertInteger('offset', offset, 0);
    assertInteger('limit', limit, 1, 10_000);
    const shards = await this.physicalQueues(queue);
    if (shards.length === 1) return this.backend.admin.deadLetters(queue, offset, limit);
    // Newest first across the shards: enough of each to cover the page.
    const all = (await Promise.all(shards.map((shard) => this.backend.admin.deadLetters(shard, 0, offset + limit)))).flat();
    return all.sort((a, b) => b.at - a.at).slice(offset, offset + limit);
  }

  /** Puts a dead letter back into its queue, to run now. */
  async requeueDeadLetter(queue: string, id: string): Promise<void> {
    const entry = await this.deadLetter(queue, id);
    if (!entry.message) throw new TaskNotRetryableError(id, `its dead letter holds no valid message (${entry.decodeError})`);
    const message: TaskMessage = { ...entry.message, eta: undefined, sentAt: Date.now() };
    const done = await this.backend.admin.requeueDeadLetter(entry, encodeMessage(message), message.priority ?? 0);
    if (done === 0) throw new DeadLetterNotFoundError(queue, id);
    if (done === -1) throw new TaskNotRetryableError(id, `a message with that id is already queued in '${queue}'`);
    await this.dispatcher.result(id).forget();
  }

  async deleteDeadLetter(queue: string, id: string): Promise<void> {
    const entry = await this.deadLetter(queue, id);
    if (!(await this.backend.admin.deleteDeadLetter(entry))) throw new DeadLetterNotFoundError(queue, id);
  }

  /**
   * Sends a failed (or revoked) task again, with the same arguments and options,
   * under a new id (the old one keeps its history); returns the new id.
   */
  async retry(id: string): Promise<string> {
    const message = await this.backend.admin.keptMessage(id);
    if (!message) throw new TaskNotRetryableError(id, 'only failed or revoked tasks can be retried, while their result is kept');
    const { task, args, queue, priority, maxRetries, ignoreResult, resultExpires } = message;
    const result = await this.dispatcher.send(this.dispatcher.resolveName(task), args, { queue, priority, maxRetries, ignoreResult, resultExpires });
    await this.backend.admin.dropKeptMessage(id);
    return result.id;
  }

  /** Revokes a task; with `terminate`, a running one is stopped. */
  revoke(id: string, options: { terminate?: boolean } = {}): Promise<void> {
    return this.dispatcher.revoke(id, options);
  }

  /** Recent tasks, newest first, from the event stream (or the stored results when there are no events). */
  async tasks(filter: TaskFilter = {}): Promise<TaskSummary[]> {
    const limit = filter.limit ?? 100;
    assertInteger('limit', limit, 1, 10_000);
    if (filter.state !== undefined && !Object.values(TaskState).includes(filter.state)) {
      throw new TaskConfigError('state', filter.state, Object.values(TaskState).join(', '));
    }
    const events = await this.backend.events.recent(RECENT_EVENTS);
    let summaries: TaskSummary[];
    if (events.some((event) => event.taskId)) {
      summaries = summarize([...events].reverse());
      const records = await this.backend.admin.getResults(summaries.map((s) => s.id));
      summaries = summaries.map((summary, i) => (records[i] ? merge(summary, records[i]!) : summary));
    } else {
      summaries = (await this.backend.admin.sampleResults(1000)).map((record) => merge({ id: record.id, state: record.state, lastSeen: 0 }, record));
      summaries.sort((a, b) => b.lastSeen - a.lastSeen);
    }
    const name = filter.name?.toLowerCase();
    return summaries
      .filter((s) => (!name || s.task?.toLowerCase().includes(name)) && (!filter.state || s.state === filter.state) && (!filter.id || s.id.startsWith(filter.id)))
      .slice(0, limit);
  }

  /** Everything known about one task, or null when nothing is. */
  async task(id: string): Promise<TaskDetail | null> {
    const [[record], timeline, kept] = await Promise.all([this.backend.admin.getResults([id]), this.backend.events.forTask(id), this.backend.admin.keptMessage(id)]);
    if (!record && timeline.length === 0 && !kept) return null;
    let summary: TaskSummary = timeline.length > 0 ? summarize(timeline)[0] : { id, state: record?.state ?? TaskState.PENDING, lastSeen: 0 };
    if (record) summary = merge(summary, record);
    const queue = summary.queue ?? kept?.queue;
    const message = !isReadyState(summary.state) && queue ? ((await this.backend.admin.message(queue, id)) ?? undefined) : undefined;
    const args = message?.args ?? kept?.args ?? timeline.find((event) => event.args !== undefined)?.args;
    return {
      ...summary,
      queue,
      task: summary.task ?? message?.task ?? kept?.task,
      args,
      result: record?.result,
      failure: record?.error,
      reason: record?.reason,
      eta: record?.eta ?? message?.eta,
      timeline,
      message,
      retryable: kept !== null,
      revocable: !isReadyState(summary.state),
    };
  }

  private async deadLetter(queue: string, id: string): Promise<DeadLetterEntry> {
    assertQueueName('queue', queue);
    if (typeof id !== 'string' || id === '') throw new TaskConfigError('id', id, 'a task id');
    for (const shard of await this.physicalQueues(queue)) {
      const entry = await this.backend.admin.findDeadLetter(shard, id);
      if (entry) return entry;
    }
    throw new DeadLetterNotFoundError(queue, id);
  }
}

/** Tasks from events given oldest first, newest activity first. */
function summarize(events: StoredEvent[]): TaskSummary[] {
  const byId = new Map<string, TaskSummary>();
  // Stable: events of one time keep the stream's order.
  const ordered = [...events].sort(compareEvents);
  for (const event of ordered) {
    if (!event.taskId) continue;
    let s = byId.get(event.taskId);
    if (!s) byId.set(event.taskId, (s = { id: event.taskId, state: TaskState.PENDING, lastSeen: event.at }));
    const state = EVENT_STATES[event.type];
    if (state) s.state = state;
    s.lastSeen = Math.max(s.lastSeen, event.at);
    s.task ??= event.task;
    s.queue ??= event.queue;
    if (event.worker) s.worker = event.worker;
    if (event.retries !== undefined) s.retries = event.retries;
    if (event.type === 'sent') s.sentAt ??= event.at;
    if (event.type === 'started') s.startedAt = event.at;
    if (event.type === 'succeeded' || event.type === 'failed' || event.type === 'revoked') s.finishedAt = event.at;
    if (event.runtime !== undefined) s.runtime = event.runtime;
    if (event.error) s.error = event.error;
  }
  return [...byId.values()].sort((a, b) => b.lastSeen - a.lastSeen);
}

function merge(summary: TaskSummary, record: ResultRecord): TaskSummary {
  const out: TaskSummary = { ...summary, state: record.state };
  out.task ??= record.task;
  out.queue ??= record.queue;
  if (record.worker) out.worker = record.worker;
  if (record.retries !== undefined) out.retries = record.retries;
  if (record.startedAt) out.startedAt = record.startedAt;
  if (record.finishedAt) out.finishedAt = record.finishedAt;
  if (record.startedAt && record.finishedAt) out.runtime = record.finishedAt - record.startedAt;
  if (record.error) out.error = { name: record.error.name, message: record.error.message };
  out.lastSeen = Math.max(out.lastSeen, record.finishedAt ?? 0, record.startedAt ?? 0);
  return out;
}

function ratesByQueue(events: StoredEvent[]): Map<string, { processed: number; sent: number }> {
  const now = Date.now();
  let window = RATE_WINDOW_MS;
  if (events.length >= RECENT_EVENTS) {
    // The events read do not reach a minute back: scale what they cover up to a minute.
    const oldest = events.reduce((min, e) => Math.min(min, e.at), now);
    window = Math.max(1000, Math.min(RATE_WINDOW_MS, now - oldest));
  }
  const counts = new Map<string, { processed: number; sent: number }>();
  for (const event of events) {
    if (!event.queue || now - event.at > window) continue;
    let c = counts.get(event.queue);
    if (!c) counts.set(event.queue, (c = { processed: 0, sent: 0 }));
    if (event.type === 'succeeded' || event.type === 'failed') c.processed++;
    else if (event.type === 'sent') c.sent++;
  }
  const scale = RATE_WINDOW_MS / window;
  for (const c of counts.values()) {
    c.processed = Math.round(c.processed * scale);
    c.sent = Math.round(c.sent * scale);
  }
  return counts;
}
