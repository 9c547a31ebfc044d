import type { ResultRecord, ResultWrite } from '../../../serialization/result-record';
import { fromCeleryMeta, toCeleryMeta } from '../../../serialization/celery/celery-result';
import type { RedisCommands } from '../redis-commands';
import type { CeleryKeys } from './celery-keys';

/** Celery's Redis result backend: records written as a Celery worker writes them, and read back. */
export class CeleryResults {
  constructor(
    private readonly commands: RedisCommands,
    private readonly keys: CeleryKeys,
    private readonly expiresMs: number,
  ) {}

  /** SET with expiry + PUBLISH, in one script run (celery-store-results.lua); RECEIVED and STARTED are not kept, as in Celery. */
  async store(writes: ResultWrite[]): Promise<void> {
    const keys: string[] = [];
    const args: Array<string | number> = [];
    for (const { record, keepReady } of writes) {
      const meta = toCeleryMeta(record);
      if (!meta) continue;
      keys.push(this.keys.result(record.id));
      args.push(JSON.stringify(meta), Math.ceil(this.expiresMs), keepReady ? 1 : 0);
    }
    if (keys.length === 0) return;
    await this.commands.call('ntCeleryStoreResults', keys, args);
  }

  async get(id: string): Promise<ResultRecord | null> {
    const json = await this.commands.send<string | null>((r) => r.get(this.keys.result(id))).catch(() => null);
    return fromCeleryMeta(id, json);
  }

  /** The channel Celery announces `id`'s record on, and how to read a message of it. */
  channel(id: string): string {
    return this.keys.result(id);
  }

  parse(id: string, message: string): ResultRecord | null {
    return fromCeleryMeta(id, message);
  }

  async delete(id: string): Promise<void> {
    await this.commands.send((r) => r.del(this.keys.result(id)));
  }
}
