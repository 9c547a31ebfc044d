import type { ResultRecord, ResultWrite } from '../../serialization/result-record';

/** Task results: stored, read, awaited. */
export interface ResultStore {
  storeResults(writes: ResultWrite[]): Promise<void>;
  getResult(id: string): Promise<ResultRecord | null>;
  /** Resolves with the record once it is in a ready state (SUCCESS, FAILURE, REVOKED); null on timeout. */
  waitForResult(id: string, timeoutMs?: number): Promise<ResultRecord | null>;
  deleteResult(id: string): Promise<void>;
}
