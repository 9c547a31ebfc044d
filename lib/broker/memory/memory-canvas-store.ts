import type { ResultWrite } from '../../serialization/result-record';
import type { ChordEntry } from '../../serialization/workflow-spec';
import type { CanvasStore, ChordPart, ChordPartReply } from '../ports/canvas-store';
import type { ResultStore } from '../ports/result-store';

interface ChordState {
  parts: Map<number, ChordEntry>;
  firstFailure: number | null;
  /** The member whose outcome completed the count. */
  completer: number | null;
  fired: boolean;
  expiresAt: number;
}

/** The memory broker's canvas operations: the same semantics as Redis, each one synchronous (atomic). */
export class MemoryCanvasStore implements CanvasStore {
  /** One store per memory broker: every client and worker of one app shares it. */
  private readonly chords = new Map<string, ChordState>();
  private lastSweep = 0;

  constructor(private readonly results: ResultStore) {}

  async chordPart(part: ChordPart, entry: ChordEntry, ttl: number): Promise<ChordPartReply> {
    const now = Date.now();
    this.sweep(now);
    let state = this.chords.get(part.id);
    // Expired but not yet swept: gone, as its Redis keys would be.
    if (!state || state.expiresAt <= now) this.chords.set(part.id, (state = emptyState()));
    state.expiresAt = now + ttl;
    if (state.fired) return { firstFailure: false };
    if (!state.parts.has(part.index)) state.parts.set(part.index, JSON.parse(JSON.stringify(entry)) as ChordEntry);
    let firstFailure = false;
    if (!entry.ok && state.firstFailure === null) {
      state.firstFailure = part.index;
      firstFailure = true;
    }
    if (state.completer === null) {
      if (state.parts.size < part.size) return { firstFailure };
      state.completer = part.index;
    } else if (state.completer !== part.index) {
      return { firstFailure };
    }
    const entries = Array.from({ length: part.size }, (_, i) => state.parts.get(i)!);
    return { firstFailure, complete: { entries, failedIndex: state.firstFailure } };
  }

  async chordFired(chordId: string, ttl: number): Promise<void> {
    this.chords.set(chordId, { ...emptyState(), fired: true, expiresAt: Date.now() + ttl });
  }

  async storeUnlessReady(writes: ResultWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.results.storeResults(writes.map((write) => ({ ...write, keepReady: true })));
  }

  async storeResults(writes: ResultWrite[]): Promise<void> {
    if (writes.length === 0) return;
    await this.results.storeResults(writes);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) return;
    this.lastSweep = now;
    for (const [id, state] of this.chords) if (state.expiresAt <= now) this.chords.delete(id);
  }
}

function emptyState(): ChordState {
  return { parts: new Map(), firstFailure: null, completer: null, fired: false, expiresAt: 0 };
}
