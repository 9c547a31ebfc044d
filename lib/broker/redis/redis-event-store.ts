import type { TaskEvent } from '../../serialization/task-event';
import { duplicateClient, type RedisClient } from './redis-client';
import type { RedisCommands } from './redis-commands';
import { byTime } from '../ports/by-time';
import { COMPACT_BATCH_FIELD, decodeEvent, decodeEventBatch, encodeEventBatch, taskNeedles } from '../ports/event-codec';
import type { EventStore } from '../ports/event-store';
import type { StoredEvent } from '../ports/stored-event';

type StreamEntry = [id: string, fields: string[]];

const SCAN_PAGE = 1000;
const APPEND_CHUNK = 1000;
/** Events per stream entry: one XADD carries a flush's events by this many. */
export const EVENTS_PER_ENTRY = 64;
const FIRST_EVENT_SLACK_MS = 5000;

/**
 * Events in a capped stream, packed: an entry `c` holds up to 64 events of one flush
 * (`XADD <prefix>:events * c <encodeEventBatch>`, a task attempt's events one array); the i-th event of entry `<id>`, oldest
 * first, has the id `<id>.<i>`. Entries `b` (runs written whole, by earlier versions) and `e` (one event,
 * written by 0.2) are read as well.
 */
export class RedisEventStore implements EventStore {
  private blocking?: RedisClient;
  /** Ends the blocking reads on `blocking` when it is closed (see close()). */
  private endReads?: () => void;
  private readsEnded?: Promise<null>;

  private readonly redis: RedisClient;

  constructor(
    /** Appends travel in the command connection's corked write of their tick. */
    private readonly commands: RedisCommands,
    private readonly key: string,
    private readonly maxLen: number,
    private readonly watch: (connection: RedisClient, role: string) => void,
  ) {
    this.redis = commands.redis;
  }

  async append(events: TaskEvent[]): Promise<void> {
    if (events.length === 0) return;
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const chunk = events.slice(start, start + APPEND_CHUNK);
      const entries: string[] = [];
      for (let i = 0; i < chunk.length; i += EVENTS_PER_ENTRY) entries.push(encodeEventBatch(chunk.slice(i, i + EVENTS_PER_ENTRY)));
      calls.push(this.commands.call('ntEventsAppend', [this.key], [this.maxLen, chunk.length, ...entries]));
    }
    await Promise.all(calls);
  }

  async recent(limit: number): Promise<StoredEvent[]> {
    const newest: StoredEvent[] = [];
    let end = '+';
    // Entries hold up to EVENTS_PER_ENTRY events: read pages of entries until `limit` events.
    while (newest.length < limit) {
      const want = limit - newest.length;
      const page = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', want)) as StreamEntry[];
      for (const entry of page) newest.push(...decodeEntry(entry).reverse());
      if (page.length < want) break;
      end = `(${page[page.length - 1][0]}`;
    }
    return newest.slice(0, limit);
  }

  async forTask(taskId: string): Promise<StoredEvent[]> {
    const needles = taskNeedles(taskId);
    const found: StoredEvent[] = [];
    // Set at the task's first event: a few seconds older still may belong to it (a worker
    // can write 'received' before the producer writes 'sent'), nothing older does.
    let stopBefore = -Infinity;
    let end = '+';
    for (;;) {
      const page = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', SCAN_PAGE)) as StreamEntry[];
      for (const entry of page) {
        const id = entry[0];
        if (Number(id.slice(0, id.indexOf('-'))) < stopBefore) return byTime(found);
        const text = entryText(entry[1]);
        if (text === undefined || !needles.some((needle) => text.includes(needle))) continue;
        for (const event of decodeEntry(entry).reverse()) {
          if (event.taskId !== taskId) continue;
          found.push(event);
          // An operator's re-send has a reason; the producer's does not.
          if (event.type === 'sent' && !event.reason) stopBefore = event.at - FIRST_EVENT_SLACK_MS;
        }
      }
      if (page.length < SCAN_PAGE) return byTime(found);
      end = `(${page[page.length - 1][0]}`;
    }
  }

  async readAfter(afterId: string, count: number, blockMs: number): Promise<StoredEvent[]> {
    const dot = afterId.indexOf('.');
    const entryId = dot < 0 ? afterId : afterId.slice(0, dot);
    if (dot >= 0) {
      // After an event inside an entry: the rest of that entry first.
      const index = Number(afterId.slice(dot + 1));
      const [entry] = (await this.redis.xrange(this.key, entryId, entryId)) as StreamEntry[];
      const rest = entry ? decodeEntry(entry).filter((event) => Number(event.id.slice(event.id.indexOf('.') + 1)) > index) : [];
      if (rest.length > 0) return rest.slice(0, count);
    }
    let reply: Array<[string, StreamEntry[]]> | null;
    if (blockMs > 0) {
      const connection = await this.blockingConnection();
      const read = connection.xread('COUNT', count, 'BLOCK', Math.max(1, Math.round(blockMs)), 'STREAMS', this.key, entryId);
      // Outraced by close(), its later failure is nobody's to handle.
      read.catch(() => undefined);
      reply = (await Promise.race([read, this.readsEnded])) as typeof reply;
    } else {
      reply = (await this.redis.xread('COUNT', count, 'STREAMS', this.key, entryId)) as typeof reply;
    }
    // `count` entries hold at least `count` events: cut at `count`; the next read resumes inside the entry.
    return reply ? reply[0][1].flatMap(decodeEntry).slice(0, count) : [];
  }

  async lastId(): Promise<string> {
    const [last] = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last ? (decodeEntry(last).at(-1)?.id ?? last[0]) : '0-0';
  }

  async close(): Promise<void> {
    const blocking = this.blocking;
    this.blocking = undefined;
    // A read pending on a connection dropped between reconnect attempts is never answered by ioredis: end it here.
    this.endReads?.();
    blocking?.disconnect();
  }

  private async blockingConnection(): Promise<RedisClient> {
    if (!this.blocking) {
      const blocking = duplicateClient(this.redis, { blocking: true });
      this.watch(blocking, 'event stream');
      this.blocking = blocking;
      this.readsEnded = new Promise<null>((resolve) => (this.endReads = () => resolve(null)));
      await blocking.connect();
    }
    return this.blocking;
  }
}

/** The entry's events as text: a `c` or `b` array, or a 0.2 `e` event. */
function entryText(fields: string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === COMPACT_BATCH_FIELD || fields[i] === 'b' || fields[i] === 'e') return fields[i + 1];
  return undefined;
}

/** An entry's events, oldest first; what cannot be read is skipped. */
function decodeEntry([id, fields]: StreamEntry): StoredEvent[] {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') {
      const event = decodeEvent(id, fields[i + 1]);
      return event ? [event] : [];
    }
    if (fields[i] === COMPACT_BATCH_FIELD) return decodeEventBatch(id, fields[i + 1]);
    if (fields[i] === 'b') return decodeEventBatch(id, fields[i + 1], false);
  }
  return [];
}
