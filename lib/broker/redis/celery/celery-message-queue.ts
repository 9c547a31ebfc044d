import { Logger } from '@nestjs/common';
import type { ResultWrite } from '../../../serialization/result-record';
import { celeryFollowUps, type CeleryPush } from '../../../serialization/celery/celery-follow-ups';
import {
  CeleryEnvelopeError,
  celeryMessageId,
  decodeCeleryMessage,
  encodeCeleryMessage,
  type CeleryDelivery,
  type CeleryEnvelope,
} from '../../../serialization/celery/celery-message';
import { toCeleryPriority } from '../../../serialization/celery/celery-priority';
import { encodeMessage, type TaskMessage } from '../../../serialization/task-message';
import { decodeStored } from '../../ports/stored-message';
import { TaskState } from '../../../serialization/task-state';
import type { HeldLease, PublishRequest, ReserveResult, SettleOp } from '../../ports/message-queue';
import type { RedisCommands } from '../redis-commands';
import type { CeleryKeys } from './celery-keys';
import type { CeleryResults } from './celery-results';

/** Idle workers look at Celery's lists this often (a BRPOP would take the message before it is recorded). */
const POLL_MS = 50;
/** The visibility-timeout sweep runs at most this often per broker. */
const SWEEP_EVERY_MS = 1000;
const SWEEP_BATCH = 100;
const DEAD_LETTERS_KEPT = 10_000;
/** Messages acknowledged at start whose outcome (and so follow-ups) is still to come. */
const ACKED_EARLY_KEPT = 10_000;

export interface CelerySettings {
  defaultQueue: string;
  /** kombu's visibility_timeout, ms. */
  visibilityTimeout: number;
}

/** A Celery message this broker holds (popped and recorded in unacked, not yet settled). */
interface Held {
  delivery: CeleryDelivery;
  queue: string;
}

/**
 * Queues declared `{ protocol: 'celery' }`: Celery's wire format on kombu's keys. A reserve
 * pops from the priority lists and records the message in `unacked` / `unacked_index` as
 * a Celery worker does (one script: nothing is lost in between); the worker gets it as our
 * TaskMessage. Acknowledgement, retry (republished as Celery does), restore and dead letters
 * keep kombu's bookkeeping, so Python and Node workers restore each other's messages. A
 * message with an eta in the future is parked in `unacked` with the score that makes any
 * worker's restore (ours or kombu's) give it back at its eta: nobody holds it in memory.
 */
export class CeleryMessageQueue {
  private readonly logger = new Logger('CeleryQueue');
  private readonly held = new Map<string, Held>();
  /** Task id → delivery tag of the held message. */
  private readonly heldIds = new Map<string, string>();
  /** Acknowledged before their outcome (acksLate: false), by task id: their follow-ups wait for it. */
  private readonly ackedEarly = new Map<string, Held>();
  private lastSweep = 0;
  private readonly wakes = new Set<() => void>();

  constructor(
    private readonly commands: RedisCommands,
    private readonly keys: CeleryKeys,
    private readonly results: CeleryResults,
    /** Our dead-letter list of a queue. */
    private readonly deadList: (queue: string) => string,
    private readonly settings: CelerySettings,
  ) {}

  // ---- producing -------------------------------------------------------------------------

  /** Each request's body (our TaskMessage) goes out as a validated protocol-2 envelope. */
  async publish(requests: PublishRequest[]): Promise<void> {
    const pushes = requests.map((request) => {
      const message = decodeStored(request.body, request.id, request.queue);
      if (message.link || message.linkError || message.chain || message.chord) {
        throw new CeleryEnvelopeError(`Task ${message.task}[${message.id}]: nestjs-tasks workflows (chain, group, chord, link) cannot travel on the Celery queue '${request.queue}'`);
      }
      const priority = toCeleryPriority(request.priority ?? message.priority);
      const envelope = encodeCeleryMessage({
        id: message.id,
        task: message.task,
        args: message.args,
        kwargs: message.kwargs,
        queue: request.queue,
        eta: request.eta ?? message.eta,
        expires: message.expires,
        priority,
        retries: message.retries,
        ignoreResult: message.ignoreResult,
      });
      return { list: this.keys.list(request.queue, priority), envelope };
    });
    await Promise.all(pushes.map(({ list, envelope }) => this.commands.send((r) => r.lpush(list, envelope))));
  }

  /** Whether `id` is a task this broker holds from a Celery queue (its results are Celery's). */
  holds(id: string): boolean {
    return this.heldIds.has(id) || this.ackedEarly.has(id);
  }

  // ---- consuming -------------------------------------------------------------------------

  async reserve(queue: string, max: number): Promise<ReserveResult> {
    const now = Date.now();
    const vt = this.settings.visibilityTimeout;
    if (now - this.lastSweep >= SWEEP_EVERY_MS) {
      this.lastSweep = now;
      await this.sweep(now);
    }
    const keys = [this.keys.unacked, this.keys.unackedIndex, ...this.keys.lists(queue)];
    const reply = (await this.commands.call('ntCeleryReserve', keys, [(now / 1000).toFixed(6), max, queue])) as string[];
    let wakeAt = reply[0] === '' ? null : Math.round(Number(reply[0]) * 1000) + vt;
    const messages: ReserveResult['messages'] = [];
    const parked: Array<Promise<unknown>> = [];
    const refused: Array<Promise<unknown>> = [];
    for (let i = 1; i + 1 < reply.length; i += 2) {
      const tag = reply[i];
      const raw = reply[i + 1];
      let decoded: { message: TaskMessage; delivery: CeleryDelivery };
      try {
        decoded = decodeCeleryMessage(raw, queue);
      } catch (error) {
        refused.push(this.deadLetter(queue, tag, celeryMessageId(raw), raw, (error as Error).message));
        continue;
      }
      const { message, delivery } = decoded;
      if (delivery.embed.chord) {
        refused.push(this.failChord(queue, delivery));
        continue;
      }
      if (message.eta !== undefined && message.eta > Date.now()) {
        // Parked: any restore (ours or kombu's) gives it back when its eta comes.
        parked.push(this.commands.send((r) => r.zadd(this.keys.unackedIndex, 'XX', ((message.eta! - vt) / 1000).toFixed(6), tag)));
        if (wakeAt === null || message.eta < wakeAt) wakeAt = message.eta;
        continue;
      }
      this.held.set(tag, { delivery, queue });
      this.heldIds.set(delivery.id, tag);
      messages.push({ id: delivery.id, queue, body: encodeMessage(message), delivery: delivery.envelope.properties.delivery_info?.redelivered ? 2 : 1, lease: tag });
    }
    await Promise.all([...parked, ...refused]);
    return { messages, dead: [], wakeAt };
  }

  /**
   * Gives back to their lists the messages held longer than the visibility timeout by a
   * worker that is gone (a Celery worker, or one of ours), and parked ones whose eta came,
   * as kombu's restore_visible does.
   */
  private async sweep(now: number): Promise<void> {
    const ceiling = ((now - this.settings.visibilityTimeout) / 1000).toFixed(6);
    const due = await this.commands.send<string[]>((r) => r.zrangebyscore(this.keys.unackedIndex, '-inf', ceiling, 'LIMIT', 0, SWEEP_BATCH));
    if (due.length === 0) return;
    const values = await this.commands.send<Array<string | null>>((r) => r.hmget(this.keys.unacked, ...due));
    await Promise.all(
      due.map((tag, i) => {
        const value = values[i];
        if (this.held.has(tag)) return undefined;
        if (value === null) return this.commands.send((r) => r.zrem(this.keys.unackedIndex, tag));
        const restore = restoreTarget(value);
        if (!restore) {
          this.logger.error(`Cannot restore Celery message ${tag}: its unacked entry is not [envelope, exchange, routing_key]`);
          return undefined;
        }
        return this.commands.call('ntCeleryRestore', [this.keys.unacked, this.keys.unackedIndex, this.keys.list(restore.queue, restore.priority)], [tag, value, restore.envelope]);
      }),
    );
  }

  /** Waits for work on Celery queues by looking again after a short while (until `timeoutMs` or interrupt). */
  waitForWork(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakes.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.min(timeoutMs, POLL_MS)));
      this.wakes.add(done);
    });
  }

  interrupt(): void {
    for (const wake of [...this.wakes]) wake();
  }

  /**
   * Settles the ops of Celery queues; `results` are the result writes of the same flush
   * (their follow-ups, chain and callbacks, need the outcome) and are stored as Celery's.
   */
  async settle(ops: SettleOp[], results: ResultWrite[]): Promise<void> {
    const outcomes = new Map(results.map((write) => [write.record.id, write]));
    // A message sent with ignore_result leaves no record (its follow-ups still get the outcome).
    const kept = results.filter((write) => !this.heldFor(write.record.id)?.delivery.ignoreResult);
    const calls: Array<Promise<unknown>> = [this.results.store(kept)];
    for (const op of ops) {
      const held = this.held.get(op.lease);
      switch (op.kind) {
        case 'ack': {
          const write = outcomes.get(op.id);
          outcomes.delete(op.id);
          calls.push(this.ack(op.lease, held ? this.followUps(held, write) : []));
          // Acknowledged at start (acksLate: false): the outcome comes in a later flush.
          if (held && !isFinal(write)) this.rememberAckedEarly(held);
          this.forget(op.lease);
          break;
        }
        case 'requeue': {
          // A retry, as Celery sends one: the same id again, retries + 1, a new eta; this delivery is acknowledged.
          const retry = held ? this.retryOf(held, decodeStored(op.body, op.id, op.queue), op.eta) : [];
          calls.push(this.ack(op.lease, retry));
          this.forget(op.lease);
          break;
        }
        case 'rate-wait':
          // Parked until its start slot (no ticket kept: the slot is taken again when it comes back).
          calls.push(this.commands.send((r) => r.zadd(this.keys.unackedIndex, 'XX', ((op.eta - this.settings.visibilityTimeout) / 1000).toFixed(6), op.lease)));
          this.forget(op.lease);
          break;
        case 'release':
          calls.push(this.release(op.lease, held));
          this.forget(op.lease);
          break;
        case 'dead':
          calls.push(this.deadLetter(op.queue, op.lease, op.id, op.raw, op.reason));
          this.forget(op.lease);
          break;
      }
    }
    // Outcomes of messages acknowledged at start: their chain, links or errbacks go now.
    for (const [id, write] of outcomes) {
      const early = this.ackedEarly.get(id);
      if (!early || !isFinal(write)) continue;
      this.ackedEarly.delete(id);
      const pushes = this.followUps(early, write);
      if (pushes.length > 0) calls.push(this.ack('', pushes));
    }
    await Promise.all(calls);
  }

  /** Keeps Python's restore away from messages still running here (kombu's score is the time they were last seen alive). */
  async extendLeases(leases: HeldLease[]): Promise<void> {
    if (leases.length === 0) return;
    const score = (Date.now() / 1000).toFixed(6);
    const args: string[] = [];
    for (const { lease } of leases) args.push(score, lease);
    await this.commands.send((r) => r.zadd(this.keys.unackedIndex, 'XX', ...args));
  }

  async queueSizes(queue: string): Promise<{ ready: number; delayed: number; active: number }> {
    const lengths = await Promise.all(this.keys.lists(queue).map((list) => this.commands.send<number>((r) => r.llen(list))));
    let active = 0;
    for (const held of this.held.values()) if (held.queue === queue) active++;
    return { ready: lengths.reduce((a, b) => a + b, 0), delayed: 0, active };
  }

  // ---- helpers -----------------------------------------------------------------------------

  private rememberAckedEarly(held: Held): void {
    this.ackedEarly.set(held.delivery.id, held);
    // A task that stores no outcome (ignoreResult declared on it) never claims its entry: keep the newest only.
    if (this.ackedEarly.size > ACKED_EARLY_KEPT) this.ackedEarly.delete(this.ackedEarly.keys().next().value!);
  }

  private heldFor(id: string): Held | undefined {
    const tag = this.heldIds.get(id);
    return tag === undefined ? this.ackedEarly.get(id) : this.held.get(tag);
  }

  private forget(tag: string): void {
    const held = this.held.get(tag);
    if (!held) return;
    this.held.delete(tag);
    if (this.heldIds.get(held.delivery.id) === tag) this.heldIds.delete(held.delivery.id);
  }

  private ack(tag: string, pushes: CeleryPush[]): Promise<unknown> {
    const keys = [this.keys.unacked, this.keys.unackedIndex, ...pushes.map((p) => this.keys.list(p.queue, p.priority))];
    return this.commands.call('ntCeleryAck', keys, [tag, ...pushes.map((p) => p.envelope)]);
  }

  private followUps(held: Held, write: ResultWrite | undefined): CeleryPush[] {
    const record = write?.record;
    try {
      if (record?.state === TaskState.SUCCESS) return celeryFollowUps(held.delivery, { kind: 'success', value: record.result ?? null }, this.settings.defaultQueue);
      if (record?.state === TaskState.FAILURE) return celeryFollowUps(held.delivery, { kind: 'failure' }, this.settings.defaultQueue);
    } catch (error) {
      this.logger.error(`Follow-up tasks of ${held.delivery.task}[${held.delivery.id}] not sent: ${(error as Error).message}`);
    }
    return [];
  }

  private retryOf(held: Held, message: TaskMessage, eta: number): CeleryPush[] {
    const { delivery } = held;
    const priority = delivery.envelope.properties.priority;
    const queue = delivery.envelope.properties.delivery_info?.routing_key || held.queue;
    const envelope = encodeCeleryMessage({
      id: delivery.id,
      task: delivery.task,
      args: delivery.args,
      kwargs: delivery.kwargs,
      queue,
      eta: eta > Date.now() ? eta : undefined,
      expires: delivery.expires,
      priority,
      retries: message.retries,
      rootId: delivery.rootId,
      parentId: delivery.parentId,
      groupId: delivery.groupId,
      ignoreResult: delivery.ignoreResult,
      callbacks: delivery.embed.callbacks,
      errbacks: delivery.embed.errbacks,
      chain: delivery.embed.chain,
    });
    return [{ queue, priority, envelope }];
  }

  private release(tag: string, held: Held | undefined): Promise<unknown> {
    if (!held) return Promise.resolve();
    const envelope = redelivered(held.delivery.envelope);
    const queue = envelope.properties.delivery_info?.routing_key || held.queue;
    return this.commands.call('ntCeleryRestore', [this.keys.unacked, this.keys.unackedIndex, this.keys.list(queue, envelope.properties.priority)], [tag, '', JSON.stringify(envelope)]);
  }

  /** To our dead-letter list of the queue, with the reason; a caller waiting on its id gets a FAILURE (DeadLetteredError) rather than nothing. */
  private deadLetter(queue: string, tag: string, id: string, raw: string | null, reason: string): Promise<unknown> {
    this.logger.error(`Celery message ${id || '(no id)'} on queue ${queue} moved to the dead-letter list: ${reason}`);
    const entry = JSON.stringify({ id, raw, reason, at: Date.now() });
    const moved = this.commands.call('ntCeleryDeadLetter', [this.keys.unacked, this.keys.unackedIndex, this.deadList(queue)], [tag, entry, DEAD_LETTERS_KEPT]);
    if (!id) return moved;
    const record = { id, state: TaskState.FAILURE, queue, error: { name: 'DeadLetteredError', message: `Dead-lettered: ${reason}` }, finishedAt: Date.now() };
    return Promise.all([moved, this.results.store([{ record, ttl: 0, keepReady: true }])]);
  }

  /** Celery's chords keep their counters in Celery's own keys: such a task fails clearly instead of running half-way. */
  private failChord(queue: string, delivery: CeleryDelivery): Promise<unknown> {
    const message =
      `Task ${delivery.task}[${delivery.id}] is part of a Celery chord, which a nestjs-tasks worker does not run ` +
      '(the chord counters are Celery\'s): route chord members to Celery workers';
    this.logger.error(message);
    const record = { id: delivery.id, state: TaskState.FAILURE, task: delivery.task, queue, error: { name: 'ChordNotSupportedError', message }, finishedAt: Date.now() };
    const held: Held = { delivery, queue };
    return Promise.all([this.results.store([{ record, ttl: 0 }]), this.ack(delivery.tag, this.followUps(held, { record, ttl: 0 }))]);
  }
}

/** A SUCCESS, FAILURE or REVOKED write: the task's outcome. */
function isFinal(write: ResultWrite | undefined): boolean {
  const state = write?.record.state;
  return state === TaskState.SUCCESS || state === TaskState.FAILURE || state === TaskState.REVOKED;
}

function redelivered(envelope: CeleryEnvelope): CeleryEnvelope {
  const copy = JSON.parse(JSON.stringify(envelope)) as CeleryEnvelope;
  if (copy.headers && typeof copy.headers === 'object') copy.headers.redelivered = true;
  if (copy.properties?.delivery_info) copy.properties.delivery_info.redelivered = true;
  return copy;
}

/** Where kombu's restore puts an unacked entry back: its routing key's list of its priority. */
function restoreTarget(value: string): { queue: string; priority: number | undefined; envelope: string } | null {
  try {
    const [envelope, , routingKey] = JSON.parse(value) as [CeleryEnvelope, string, string];
    if (!envelope || typeof envelope !== 'object' || typeof routingKey !== 'string' || routingKey === '') return null;
    const priority = typeof envelope.properties?.priority === 'number' ? envelope.properties.priority : undefined;
    return { queue: routingKey, priority, envelope: JSON.stringify(redelivered(envelope)) };
  } catch {
    return null;
  }
}
