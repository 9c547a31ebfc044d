import type { ResultWrite } from '../../serialization/result-record';
import type { ChordEntry } from '../../serialization/workflow-spec';

/** Where a chord member is counted. */
export interface ChordPart {
  /** The chord's state id. */
  id: string;
  index: number;
  size: number;
}

export interface ChordPartReply {
  /** This outcome is the chord's first failure: fail what follows the chord now. */
  firstFailure: boolean;
  /**
   * Set for the one member whose outcome completed the count (and again for that
   * member alone, its message delivered again, until the chord has fired): every
   * outcome in header order and the first failure's index, or null when all succeeded.
   */
  complete?: { entries: ChordEntry[]; failedIndex: number | null };
}

/**
 * The broker operations workflows need beyond the Broker interface. One
 * implementation per broker: Redis (Lua scripts) and memory.
 */
export interface CanvasStore {
  /** Records a member's outcome once (a repeat is ignored) and says whether the chord is now complete. */
  chordPart(part: ChordPart, entry: ChordEntry, ttl: number): Promise<ChordPartReply>;
  /** The chord's callback was sent (or its failure passed on): later repeats of its members do nothing. */
  chordFired(chordId: string, ttl: number): Promise<void>;
  /** Stores each write unless a ready result is already kept under its id, announcing it to waiters. */
  storeUnlessReady(writes: ResultWrite[]): Promise<void>;
  /** Stores results (of groups inside workflows) and announces them to waiters. */
  storeResults(writes: ResultWrite[]): Promise<void>;
}
