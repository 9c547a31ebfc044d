import type { TaskEvent } from '../../serialization/task-event';
import { duplicateClient, type RedisClient } from './redis-client';
import type { ScriptRunner } from './script-runner';
import { byTime } from '../ports/by-time';
import { decodeEvent, encodeEvent } from '../ports/event-codec';
import type { EventStore } from '../ports/event-store';
import type { StoredEvent } from '../ports/stored-event';

type StreamEntry = [id: string, fields: string[]];

const SCAN_PAGE = 1000;
const APPEND_CHUNK = 1000;
const FIRST_EVENT_SLACK_MS = 5000;

/** Events in a capped stream: `XADD <prefix>:events MAXLEN ~ n * e <json>`. */
export class RedisEventStore implements EventStore {
  private blocking?: RedisClient;

  constructor(
    private readonly redis: RedisClient,
    private readonly scripts: ScriptRunner,
    private readonly key: string,
    private readonly maxLen: number,
    private readonly watch: (connection: RedisClient, role: string) => void,
  ) {}

  async append(events: TaskEvent[]): Promise<void> {
    if (events.length === 0) return;
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < events.length; start += APPEND_CHUNK) {
      const json = events.slice(start, start + APPEND_CHUNK).map(encodeEvent);
      calls.push(this.scripts.run('ntEventsAppend', [this.key], [this.maxLen, ...json]));
    }
    await Promise.all(calls);
  }

  async recent(limit: number): Promise<StoredEvent[]> {
    return decodeAll((await this.redis.xrevrange(this.key, '+', '-', 'COUNT', limit)) as StreamEntry[]);
  }

  async forTask(taskId: string): Promise<StoredEvent[]> {
    const needle = `"taskId":${JSON.stringify(taskId)}`;
    const found: StoredEvent[] = [];
    // Set at the task's first event: a few seconds older still may belong to it (a worker
    // can write 'received' before the producer writes 'sent'), nothing older does.
    let stopBefore = -Infinity;
    let end = '+';
    for (;;) {
      const page = (await this.redis.xrevrange(this.key, end, '-', 'COUNT', SCAN_PAGE)) as StreamEntry[];
      for (const [id, fields] of page) {
        if (Number(id.slice(0, id.indexOf('-'))) < stopBefore) return byTime(found);
        const json = fieldValue(fields);
        if (!json?.includes(needle)) continue;
        const event = decodeEvent(id, json);
        if (event?.taskId !== taskId) continue;
        found.push(event);
        // An operator's re-send has a reason; the producer's does not.
        if (event.type === 'sent' && !event.reason) stopBefore = event.at - FIRST_EVENT_SLACK_MS;
      }
      if (page.length < SCAN_PAGE) return byTime(found);
      end = `(${page[page.length - 1][0]}`;
    }
  }

  async readAfter(afterId: string, count: number, blockMs: number): Promise<StoredEvent[]> {
    const connection = blockMs > 0 ? await this.blockingConnection() : this.redis;
    const reply = (
      blockMs > 0
        ? await connection.xread('COUNT', count, 'BLOCK', Math.max(1, Math.round(blockMs)), 'STREAMS', this.key, afterId)
        : await connection.xread('COUNT', count, 'STREAMS', this.key, afterId)
    ) as Array<[string, StreamEntry[]]> | null;
    return reply ? decodeAll(reply[0][1]) : [];
  }

  async lastId(): Promise<string> {
    const [last] = (await this.redis.xrevrange(this.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return last ? last[0] : '0-0';
  }

  async close(): Promise<void> {
    const blocking = this.blocking;
    this.blocking = undefined;
    blocking?.disconnect();
  }

  private async blockingConnection(): Promise<RedisClient> {
    if (!this.blocking) {
      const blocking = duplicateClient(this.redis, { blocking: true });
      this.watch(blocking, 'event stream');
      this.blocking = blocking;
      await blocking.connect();
    }
    return this.blocking;
  }
}

function fieldValue(fields: string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'e') return fields[i + 1];
  return undefined;
}

function decodeAll(entries: StreamEntry[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  for (const [id, fields] of entries) {
    const json = fieldValue(fields);
    const event = json ? decodeEvent(id, json) : null;
    if (event) out.push(event);
  }
  return out;
}
