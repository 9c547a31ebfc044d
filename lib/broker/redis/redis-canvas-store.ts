import type { ResultWrite } from '../../serialization/result-record';
import type { ChordEntry } from '../../serialization/workflow-spec';
import type { CanvasStore, ChordPart, ChordPartReply } from '../ports/canvas-store';
import type { ResultStore } from '../ports/result-store';
import type { RedisKeys } from './redis-keys';
import type { ScriptRunner } from './script-runner';

/** Chord state on Redis; every change is one Lua script. */
export class RedisCanvasStore implements CanvasStore {
  constructor(
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
    private readonly results: ResultStore,
  ) {}

  async chordPart(part: ChordPart, entry: ChordEntry, ttl: number): Promise<ChordPartReply> {
    const reply = (await this.scripts.run('ntCanvasChordPart', this.keys.chord(part.id), [part.index, JSON.stringify(entry), part.size, Math.ceil(ttl), entry.ok ? '0' : '1'])) as Array<string | number>;
    const firstFailure = Number(reply[0]) === 1;
    if (Number(reply[1]) !== 1) return { firstFailure };
    const entries = new Array<ChordEntry>(part.size);
    for (let i = 3; i + 1 < reply.length; i += 2) entries[Number(reply[i])] = JSON.parse(String(reply[i + 1])) as ChordEntry;
    const failedIndex = Number(reply[2]);
    return { firstFailure, complete: { entries, failedIndex: failedIndex >= 0 ? failedIndex : null } };
  }

  async chordFired(chordId: string, ttl: number): Promise<void> {
    await this.scripts.run('ntCanvasChordFired', this.keys.chord(chordId), [Math.ceil(ttl)]);
  }

  storeUnlessReady(writes: ResultWrite[]): Promise<void> {
    return this.results.storeResults(writes.map((write) => ({ ...write, keepReady: true })));
  }

  storeResults(writes: ResultWrite[]): Promise<void> {
    return this.results.storeResults(writes);
  }
}
