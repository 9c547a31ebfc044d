import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { startChild, type ChildHandle } from '../child-runner';
import type { ChildJob, ChildResult, LibraryName } from '../child/protocol';
import { LIBRARIES, type BenchOptions } from '../options';
import { deleteKeysWithPrefix } from '../redis/key-cleanup';
import { snapshotRedis, usageBetween, type RedisUsage } from '../redis/redis-stats';
import type { MetricKey } from '../report/metrics';

export const QUEUE = 'bench';

/** Job fields every child needs, minus the measurement itself. */
type JobFor<K extends ChildJob['kind']> = Omit<Extract<ChildJob, { kind: K }>, 'kind' | 'lib' | 'redisUrl' | 'prefix' | 'queue'>;

/**
 * Shared state of a run: the Redis, each library's key prefix, the figures so far.
 * Every run of a child is one library on an empty namespace of its own.
 */
export class BenchContext {
  /** Figures by metric and library, one per round. */
  readonly figures = new Map<MetricKey, Record<LibraryName, number[]>>();
  private readonly prefixes: Record<LibraryName, string>;
  private step = 0;
  private sequence = 0;

  constructor(
    readonly options: BenchOptions,
    readonly redisUrl: string,
    readonly admin: Redis,
  ) {
    const tag = randomBytes(4).toString('hex');
    this.prefixes = { 'nestjs-tasks': `bench-nt-${tag}`, bullmq: `bench-bull-${tag}` };
  }

  /** The libraries in the order of the next step: alternating, so neither always runs first. */
  nextOrder(): readonly LibraryName[] {
    const libs = this.options.libs;
    return this.step++ % 2 === 0 ? libs : [...libs].reverse();
  }

  start<K extends ChildJob['kind']>(lib: LibraryName, kind: K, job: JobFor<K>): ChildHandle {
    const full = { ...job, kind, lib, redisUrl: this.redisUrl, prefix: this.prefixes[lib], queue: QUEUE } as ChildJob;
    const label = `${String(++this.sequence).padStart(2, '0')}-${kind}-${lib}`;
    return startChild(full, { label, profileDir: this.options.profileDir, timeoutMs: 300_000 });
  }

  /** Runs one child to its result, with what Redis did meanwhile. */
  async run<K extends ChildJob['kind']>(lib: LibraryName, kind: K, job: JobFor<K>): Promise<{ result: ChildResult; redis: RedisUsage }> {
    const child = this.start(lib, kind, job);
    // A warming child says `ready` once warm: what Redis did for the warm-up is not counted.
    const warming = (kind === 'process' || kind === 'fill') && Boolean((job as { warmTasks?: number }).warmTasks);
    if (warming) await Promise.race([child.ready, child.result]);
    // A fan-out's warm-up tasks wait in a queue of their own: gone before Redis's memory is read.
    if (warming && kind === 'fill') await deleteKeysWithPrefix(this.admin, `${this.prefixes[lib]}:warm:`);
    const before = await snapshotRedis(this.admin);
    if (warming) child.send({ type: 'go' });
    const result = await child.result;
    const redis = usageBetween(before, await snapshotRedis(this.admin));
    return { result, redis };
  }

  /** The key prefix of `lib` in this run. */
  prefixOf(lib: LibraryName): string {
    return this.prefixes[lib];
  }

  /** Removes everything the library wrote, so the next measurement starts from an empty namespace. */
  async clean(lib: LibraryName): Promise<void> {
    await deleteKeysWithPrefix(this.admin, `${this.prefixes[lib]}:`);
  }

  async cleanAll(): Promise<void> {
    for (const lib of LIBRARIES) await this.clean(lib);
  }

  record(metric: MetricKey, lib: LibraryName, value: number): void {
    let entry = this.figures.get(metric);
    if (!entry) this.figures.set(metric, (entry = { 'nestjs-tasks': [], bullmq: [] }));
    entry[lib].push(value);
  }

  log(text: string): void {
    process.stderr.write(`${text}\n`);
  }
}
