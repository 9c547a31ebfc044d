import { ID_TAG_LENGTH } from './cluster/aligned-id';
import { queueHashTag } from './cluster/shard-tag';
import { messageBucket } from '../../utils/task-id';

/** The scheduler's keys, all under `<prefix>:{beat}:`: one hash tag, so its scripts stay in one Cluster slot. */
export interface BeatKeys {
  readonly leader: string;
  readonly version: string;
  readonly definitions: string;
  readonly switches: string;
  readonly states: string;
  readonly pending: string;
}

/**
 * Every Redis key the library writes, in one place. All keys of a queue share the
 * hash tag `{queue}` so that a queue lives in one Redis Cluster slot.
 */
export interface QueueKeys {
  /** In the order the Lua scripts expect them (scripts/includes/queue-helpers.lua). */
  readonly list: readonly string[];
  readonly ready: string;
  readonly prio: string;
  readonly delayed: string;
  /**
   * Leases of workers before per-call leases (`id|token` by deadline), given back when they run
   * out; the scripts keep leases beside it, `<active>:leases` and `<active>:lease:<token>`
   * (scripts/includes/queue-helpers.lua).
   */
  readonly active: string;
  /** The base of the message buckets (scripts/includes/queue-helpers.lua); itself, messages stored before 0.3. */
  readonly messages: string;
  /** The bucket hash that stores the message of `id`: `<messages>:<messageBucket(id)>`. */
  message(id: string): string;
  readonly wake: string;
  readonly dead: string;
}

/** Keys of a queue's concurrency keys, in its slot. */
export interface ConcurrencyKeys {
  /** Hash id -> '<limit>|<key>'. */
  readonly of: string;
  /** Hash id -> key, of the admitted ids. */
  readonly admitted: string;
  /** Hash key -> admitted count. */
  readonly running: string;
  /** Sorted set of keys with a line, by its length. */
  readonly keys: string;
  /** Ids in all lines. */
  readonly waiting: string;
  /** The line of ids waiting for a slot of `key`. */
  line(key: string): string;
}

export class RedisKeys {
  private readonly queueCache = new Map<string, QueueKeys>();
  private readonly bases = new Map<string, string>();

  readonly beat: BeatKeys;
  /** What every result key starts with, and its UTF-8 length. */
  private readonly resultPrefix: string;
  readonly resultPrefixBytes: number;
  /** What every waiter mark (resultWaiter) starts with. */
  readonly resultWaiterPrefix: string;
  /** On one node: sorted set of the ids someone waits for, by until when (store-results.lua announces only those). */
  readonly resultWaiters: string;

  /**
   * `cluster`: result keys carry a hash tag, the first five characters of the task id
   * (see cluster/aligned-id.ts), so that a task id can place its result in a chosen slot.
   */
  constructor(
    readonly prefix: string,
    private readonly cluster = false,
  ) {
    this.resultPrefix = `${prefix}:result:`;
    this.resultPrefixBytes = Buffer.byteLength(this.resultPrefix);
    this.resultWaiterPrefix = `${prefix}:waiting:`;
    this.resultWaiters = `${prefix}:waiters`;
    const beat = `${prefix}:{beat}`;
    this.beat = {
      leader: `${beat}:leader`,
      version: `${beat}:version`,
      definitions: `${beat}:schedules`,
      switches: `${beat}:enabled`,
      states: `${beat}:state`,
      pending: `${beat}:pending`,
    };
  }

  queue(name: string): QueueKeys {
    let keys = this.queueCache.get(name);
    if (!keys) {
      const base = this.queueBase(name);
      const list = ['ready', 'prio', 'delayed', 'active', 'messages', 'lost', 'wake', 'dead', 'pri', 'seq'].map(
        (part) => `${base}:${part}`,
      );
      keys = {
        list,
        ready: list[0],
        prio: list[1],
        delayed: list[2],
        active: list[3],
        messages: list[4],
        message: (id) => `${list[4]}:${messageBucket(id)}`,
        wake: list[6],
        dead: list[7],
      };
      this.queueCache.set(name, keys);
    }
    return keys;
  }

  /** `<prefix>:{<tag>}`: every key of a queue starts so, one hash tag per queue (see cluster/shard-tag.ts). */
  private queueBase(queue: string): string {
    let base = this.bases.get(queue);
    if (base === undefined) this.bases.set(queue, (base = `${this.prefix}:{${queueHashTag(queue)}}`));
    return base;
  }

  /**
   * The concurrency keys of `queue` (see scripts/includes/queue-helpers.lua, which derives
   * them from the ready key: keep the two in step).
   */
  concurrency(queue: string): ConcurrencyKeys {
    const base = `${this.queueBase(queue)}:ck:`;
    return {
      of: `${base}of`,
      admitted: `${base}in`,
      running: `${base}run`,
      keys: `${base}keys`,
      waiting: `${base}waiting`,
      line: (key) => `${base}wait:${key}`,
    };
  }

  /** Lock of a unique task, in its queue's slot. */
  uniqueLock(queue: string, lock: string): string {
    return `${this.queueBase(queue)}:unique:${lock}`;
  }

  /** A debounce window's record (its waiting id and first call), in its queue's slot; `key` is `<task>:<debounce key>`. */
  debounce(queue: string, key: string): string {
    return `${this.queueBase(queue)}:debounce:${key}`;
  }

  /** Start slots of a rate-limited task; with the overrides under one hash tag (rate-reset.lua writes both). */
  rate(task: string): string {
    return `${this.prefix}:{rate}:${task}`;
  }

  /** Ids of a rate-limited task waiting for their start slot in the delayed set of `queue`, by eta. */
  rateWaiting(queue: string, task: string): string {
    return `${this.queueBase(queue)}:rate-waiting:${task}`;
  }

  /**
   * The waiting index of `task` in `queue` as it was at one rate change, set aside for that
   * change's release (rate-release.lua) until it has released them all. `release` names it.
   */
  rateReleasing(queue: string, task: string, release: string): string {
    return `${this.queueBase(queue)}:rate-releasing:${task}:${release}`;
  }

  /** Hash of task -> time of its last runtime rate change, as seen by `queue`. */
  rateChanges(queue: string): string {
    return `${this.queueBase(queue)}:rate-changes`;
  }

  /** Sorted set of revoked ids by the time they may be forgotten. */
  get revoked(): string {
    return `${this.prefix}:revoked`;
  }

  /** Hash of runtime rate-limit overrides, by task name. */
  get rateLimits(): string {
    return `${this.prefix}:{rate}limits`;
  }

  /** Pub/sub channel of control messages. */
  get control(): string {
    return `${this.prefix}:control`;
  }

  /** Set of queue names ever used in this namespace (for inspection tools). */
  get queues(): string {
    return `${this.prefix}:queues`;
  }

  result(id: string): string {
    return this.cluster ? `${this.resultPrefix}{${id.slice(0, ID_TAG_LENGTH)}}${id.slice(ID_TAG_LENGTH)}` : `${this.resultPrefix}${id}`;
  }

  /**
   * On a Cluster: set while someone waits for `id`'s result, in its slot (store-results.lua
   * announces only then). It is the result key with `resultWaiterPrefix` for its prefix.
   */
  resultWaiter(id: string): string {
    return `${this.resultWaiterPrefix}${this.result(id).slice(this.resultPrefix.length)}`;
  }

  /** Pub/sub channel on which a task's ready result is announced. */
  resultChannel(id: string): string {
    return `${this.prefix}:done:${id}`;
  }

  /** A chord's parts, state and first failure; they share the chord's hash tag, so a chord lives in one slot. */
  chord(chordId: string): [parts: string, state: string, failed: string] {
    const base = `${this.prefix}:chord:{${chordId}}`;
    return [`${base}:parts`, `${base}:state`, `${base}:failed`];
  }

  /** Capped stream of task and worker events. */
  get events(): string {
    return `${this.prefix}:events`;
  }

  /** Hash of worker id -> last heartbeat state (JSON). */
  get workers(): string {
    return `${this.prefix}:workers`;
  }

  /** A failed (or revoked) task's message, kept as long as its result, so it can be retried. */
  failedMessage(id: string): string {
    return `${this.prefix}:failed:${id}`;
  }

  /**
   * Per-minute aggregates of one chart series (a hash of field -> number), by epoch minute.
   * The minutes of a series share its hash tag, so that reading an hour is one pipeline in one slot.
   */
  minuteStats(series: string, minute: number): string {
    return `${this.prefix}:{stats:${series}}:${minute}`;
  }

  /** Pub/sub channel on which one requester gathers remote-control replies. */
  replyChannel(token: string): string {
    return `${this.prefix}:reply:${token}`;
  }
}
