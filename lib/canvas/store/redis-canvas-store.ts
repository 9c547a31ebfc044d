import type { Redis } from 'ioredis';
import { readScript } from '../../broker/redis/lua-scripts';
import type { RedisBroker } from '../../broker/redis/redis-broker';
import type { ResultWrite } from '../../serialization/result-record';
import type { ChordEntry } from '../../serialization/workflow-spec';
import type { CanvasStore, ChordPart, ChordPartReply } from './canvas-store';

/** The canvas scripts, by command name: file and number of KEYS. */
const CANVAS_SCRIPTS = {
  ntCanvasChordPart: { file: 'canvas-chord-part', keys: 3 },
  ntCanvasChordFired: { file: 'canvas-chord-fired', keys: 3 },
} as const;

type CanvasScriptName = keyof typeof CANVAS_SCRIPTS;
type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

let sources: Array<[CanvasScriptName, string]> | undefined;

function defineCanvasScripts(redis: Redis): void {
  sources ??= (Object.keys(CANVAS_SCRIPTS) as CanvasScriptName[]).map((name) => [name, readScript(CANVAS_SCRIPTS[name].file)]);
  for (const [name, lua] of sources) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: CANVAS_SCRIPTS[name].keys, lua });
    }
  }
}

/** Chord state on Redis; every change is one Lua script. */
export class RedisCanvasStore implements CanvasStore {
  private readonly redis: Redis;

  constructor(private readonly broker: RedisBroker) {
    this.redis = broker.connection;
    defineCanvasScripts(this.redis);
  }

  async chordPart(part: ChordPart, entry: ChordEntry, ttl: number): Promise<ChordPartReply> {
    const reply = (await this.call('ntCanvasChordPart', ...this.chordKeys(part.id), part.index, JSON.stringify(entry), part.size, Math.ceil(ttl), entry.ok ? '0' : '1')) as Array<string | number>;
    const firstFailure = Number(reply[0]) === 1;
    if (Number(reply[1]) !== 1) return { firstFailure };
    const entries = new Array<ChordEntry>(part.size);
    for (let i = 3; i + 1 < reply.length; i += 2) entries[Number(reply[i])] = JSON.parse(String(reply[i + 1])) as ChordEntry;
    const failedIndex = Number(reply[2]);
    return { firstFailure, complete: { entries, failedIndex: failedIndex >= 0 ? failedIndex : null } };
  }

  async chordFired(chordId: string, ttl: number): Promise<void> {
    await this.call('ntCanvasChordFired', ...this.chordKeys(chordId), Math.ceil(ttl));
  }

  storeUnlessReady(writes: ResultWrite[]): Promise<void> {
    return this.broker.storeResults(writes.map((write) => ({ ...write, keepReady: true })));
  }

  storeResults(writes: ResultWrite[]): Promise<void> {
    return this.broker.storeResults(writes);
  }

  /** The chord's keys share one hash tag, so a chord lives in one Redis Cluster slot. */
  private chordKeys(chordId: string): [string, string, string] {
    const base = `${this.broker.redisKeys.prefix}:chord:{${chordId}}`;
    return [`${base}:parts`, `${base}:state`, `${base}:failed`];
  }

  private call(name: CanvasScriptName, ...args: Array<string | number>): Promise<unknown> {
    return (this.redis as unknown as Record<CanvasScriptName, ScriptCall>)[name](...args);
  }
}
