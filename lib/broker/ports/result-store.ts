import type { ResultRecord, ResultWrite } from '../../serialization/result-record';

/** Task results: stored, read, awaited. */
export interface ResultStore {
  storeResults(writes: ResultWrite[]): Promise<void>;
  getResult(id: string): Promise<ResultRecord | null>;
  /** Resolves with the record once it is in a ready state (SUCCESS, FAILURE, REVOKED); null on timeout. */
  waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null>;
  deleteResult(id: string): Promise<void>;
  /**
   * Marks tasks REVOKED unless they have started or ended, each in one step with its
   * check (a result stored meanwhile is never overwritten): an id with no record, or a
   * PENDING, RECEIVED or RETRY one, is stored REVOKED (reason 'revoked', finishedAt now,
   * the record's other fields kept) for `ttl` ms and announced to its waiters; a
   * STARTED, SUCCESS, FAILURE or REVOKED record stays as it is. Returns the ids marked.
   */
  markRevoked(ids: string[], ttl: number): Promise<string[]>;
}
