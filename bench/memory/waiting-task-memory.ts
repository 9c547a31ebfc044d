/**
 * What one waiting task costs in Redis, part by part (docs/design-notes/waiting-task-memory.md).
 * On a private redis-server (default settings, no persistence): `tasks` noop tasks are
 * enqueued as the bench does (delayMany, chunks of 1000, no countdown), then every key
 * written is listed with MEMORY USAGE, and `INFO memory` deltas are taken. Then the same
 * number of entries is written in candidate layouts, with raw commands, on fresh keys,
 * to measure what each layout would cost per task.
 *
 *   node -r ./test/support/register-ts.js bench/memory/waiting-task-memory.ts [--tasks 100000]
 *   (or, after npm run build: node dist/bench/memory/waiting-task-memory.js)
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import { Task, TaskClient, TaskModule } from '../../lib';
import { startPrivateRedis } from '../redis/private-redis';
import { median } from '../report/stats';
import { measureLayout, type Layout, type PrototypeMessage, type TransitionCost } from './layout-prototypes';

const PREFIX = 'mem';
const QUEUE = 'bench';

@Injectable()
class MemoryTasks {
  @Task({ name: 'bench.noop', queue: QUEUE })
  noop(_i: number): void {}
}

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at > 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? NaN);
}

async function allKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  return keys.sort();
}

/** `write` fills fresh keys under `base`; returns the used_memory delta per entry, then removes them. */
async function costOf(redis: Redis, tasks: number, base: string, write: (pipeline: ReturnType<Redis['pipeline']>, i: number) => void): Promise<number> {
  const before = await usedMemory(redis);
  for (let start = 0; start < tasks; start += 1000) {
    const pipeline = redis.pipeline();
    for (let i = start; i < Math.min(tasks, start + 1000); i++) write(pipeline, i);
    await pipeline.exec();
  }
  const after = await usedMemory(redis);
  // DEL, not UNLINK: freed now, so the next layout starts from the same used_memory.
  for (const key of await allKeys(redis, `${base}*`)) await redis.del(key);
  return (after - before) / tasks;
}

/** A UUID as 16 bytes (the design's stored form of a generated id). */
function packedUuid(id: string): Buffer {
  return Buffer.from(id.replace(/-/g, ''), 'hex');
}

async function main(): Promise<void> {
  const tasks = flag('tasks', 100_000);
  const server = await startPrivateRedis();
  const redis = new IORedis(server.url);
  const lines: string[] = [];
  const out = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };
  try {
    @Module({ imports: [TaskModule.forRoot({ broker: server.url, prefix: PREFIX })], providers: [MemoryTasks] })
    class MemoryModule {}
    const app = await NestFactory.createApplicationContext(MemoryModule, { logger: ['error'] });
    const client = app.get(TaskClient);
    // Warm-up on another queue: scripts loaded, the queues set written, allocator settled.
    await client.delayMany(MemoryTasks, 'noop', [[0]], { queue: 'warm-up' });
    const before = await usedMemory(redis);
    const keysBefore = new Set(await allKeys(redis, `${PREFIX}*`));
    const args = Array.from({ length: tasks }, (_, i) => [i] as [number]);
    for (let i = 0; i < tasks; i += 1000) await client.delayMany(MemoryTasks, 'noop', args.slice(i, i + 1000));
    const after = await usedMemory(redis);
    await app.close();

    out(`Redis ${(/redis_version:(\S+)/.exec(await redis.info('server')) ?? [])[1]}, ${tasks.toLocaleString('en-US')} waiting tasks (delayMany, chunks of 1000, args [i])`);
    out(`INFO used_memory delta: ${(after - before).toLocaleString('en-US')} B = ${((after - before) / tasks).toFixed(1)} B per task`);
    out('');
    out('| key | type | encoding | entries | MEMORY USAGE | per task |');
    out('|---|---|---|--:|--:|--:|');
    // The message buckets (`…:messages:<n>`) are summed in one row.
    const rows = new Map<string, { type: string; encodings: Set<string>; keys: number; entries: number; usage: number }>();
    for (const key of await allKeys(redis, `${PREFIX}*`)) {
      if (keysBefore.has(key) && !key.includes(QUEUE)) continue;
      const type = await redis.type(key);
      const encoding = String(await redis.object('ENCODING', key));
      const entries = type === 'hash' ? await redis.hlen(key) : type === 'list' ? await redis.llen(key) : type === 'zset' ? await redis.zcard(key) : type === 'set' ? await redis.scard(key) : 1;
      const usage = Number(await redis.memory('USAGE', key, 'SAMPLES', '0'));
      const name = key.replace(/:messages:\d+$/, ':messages:<bucket>');
      const row = rows.get(name) ?? { type, encodings: new Set<string>(), keys: 0, entries: 0, usage: 0 };
      row.encodings.add(encoding);
      row.keys++;
      row.entries += entries;
      row.usage += usage;
      rows.set(name, row);
    }
    for (const [name, row] of rows) {
      const label = row.keys > 1 ? `\`${name}\` (${row.keys} keys)` : `\`${name}\``;
      out(`| ${label} | ${row.type} | ${[...row.encodings].join(', ')} | ${row.entries.toLocaleString('en-US')} | ${row.usage.toLocaleString('en-US')} B | ${(row.usage / tasks).toFixed(1)} B |`);
    }
    const buckets = await allKeys(redis, `${PREFIX}:{${QUEUE}}:messages:*`);
    const [id, body] = (await redis.hscan(buckets[0], '0', 'COUNT', 1))[1];
    out('');
    out(`one stored message: field ${Buffer.byteLength(id)} B, value ${Buffer.byteLength(body)} B`);
    out(`  ${id} -> ${body}`);

    // Candidate layouts, raw commands, same number of entries, fresh keys each.
    const ids = Array.from({ length: tasks }, () => randomUUID());
    const sentAt = Date.now();
    // The design's encoding: format digit and sentAt (base 36), task name, args JSON (options as a JSON tail when any).
    const compactBody = (i: number) => `2${sentAt.toString(36)}|bench.noop|[${i}]`;
    const jsonBody = (i: number) => JSON.stringify({ v: 1, id: ids[i], task: 'bench.noop', args: [i], queue: QUEUE, sentAt, retries: 0 });
    const bucketCount = 1024;
    const bucketOf = (packed: Buffer) => packed.readUInt16BE(14) % bucketCount; // low bits: the first five digits are the Cluster tag
    out('');
    out('| candidate layout (same entries, raw commands) | B per task |');
    out('|---|--:|');
    const row = (name: string, value: number) => out(`| ${name} | ${value.toFixed(1)} |`);
    row('today, replayed: HSET messages <uuid> <JSON>, LPUSH ready <uuid>', await costOf(redis, tasks, 'c0:', (p, i) => p.hset('c0:messages', ids[i], jsonBody(i)).lpush('c0:ready', ids[i])));
    row('ready list of uuids alone', await costOf(redis, tasks, 'c1:', (p, i) => p.lpush('c1:ready', ids[i])));
    row('messages hash alone (uuid -> JSON)', await costOf(redis, tasks, 'c2:', (p, i) => p.hset('c2:messages', ids[i], jsonBody(i))));
    row('hash uuid -> empty string (the per-entry overhead of a big hash)', await costOf(redis, tasks, 'c3:', (p, i) => p.hset('c3:messages', ids[i], '')));
    row('compact body, uuid ids: HSET messages <uuid> <compact>, LPUSH ready <uuid>', await costOf(redis, tasks, 'c4:', (p, i) => p.hset('c4:messages', ids[i], compactBody(i)).lpush('c4:ready', ids[i])));
    row('compact body, 16-byte ids: HSET messages <16 B> <compact>, LPUSH ready <16 B>', await costOf(redis, tasks, 'c5:', (p, i) => {
      const packed = packedUuid(ids[i]);
      p.hset('c5:messages', packed, compactBody(i)).lpush('c5:ready', packed);
    }));
    row(`${bucketCount} listpack hashes by id: HSET m:<bucket> <16 B> <compact>, LPUSH ready <16 B>`, await costOf(redis, tasks, 'c6:', (p, i) => {
      const packed = packedUuid(ids[i]);
      p.hset(`c6:m:${bucketOf(packed)}`, packed, compactBody(i)).lpush('c6:ready', packed);
    }));
    row(`message in the ready list, id index in ${bucketCount} listpack hashes: LPUSH ready <16 B><compact>, HSET ids:<bucket> <16 B> ''`, await costOf(redis, tasks, 'c7:', (p, i) => {
      const packed = packedUuid(ids[i]);
      p.lpush('c7:ready', Buffer.concat([packed, Buffer.from(compactBody(i))])).hset(`c7:ids:${bucketOf(packed)}`, packed, '');
    }));
    row('message in the ready list alone (no id index)', await costOf(redis, tasks, 'c8:', (p, i) => p.lpush('c8:ready', Buffer.concat([packedUuid(ids[i]), Buffer.from(compactBody(i))]))));
    const example = Math.min(12345, tasks - 1);
    out(`compact body example: ${compactBody(example)} (${compactBody(example).length} B); JSON body of the same: ${jsonBody(example).length} B`);
    for (const indexHashes of [256, 4096]) {
      row(`(${indexHashes} index hashes instead of ${bucketCount})`, await costOf(redis, tasks, 'c9:', (p, i) => {
        const packed = packedUuid(ids[i]);
        p.lpush('c9:ready', Buffer.concat([packed, Buffer.from(compactBody(i))])).hset(`c9:ids:${packed.readUInt16BE(14) % indexHashes}`, packed, '');
      }));
    }

    // What Redis spends per transition in each layout: prototype scripts, alternating, median of 3.
    const protoMessages: PrototypeMessage[] = ids.map((id, i) => ({ id, packed: packedUuid(id), json: jsonBody(i), compact: compactBody(i) }));
    // Runs: the bucket number in the id's last two bytes, one bucket per 128 ids of a producer (as the design's ids carry it).
    const runMessages = protoMessages.map((m, i) => {
      const packed = Buffer.from(m.packed);
      packed.writeUInt16BE(Math.floor(i / 128) % bucketCount, 14);
      return { ...m, packed };
    });
    const costs: Record<Layout, TransitionCost[]> = { today: [], inline: [], bucketed: [], 'bucketed-runs': [] };
    for (let round = 0; round < 3; round++) {
      const layouts: Layout[] = ['today', 'inline', 'bucketed', 'bucketed-runs'];
      for (const layout of round % 2 === 0 ? layouts : layouts.reverse()) {
        costs[layout].push(await measureLayout(redis, layout, `proto-${layout}-${round}`, layout === 'bucketed-runs' ? runMessages : protoMessages, bucketCount));
      }
    }
    out('');
    out('| prototype scripts, Redis CPU per task (median of 3) | publish (chunks of 1000) | reserve (50 at a time) | ack (50 at a time) | total | B per waiting task |');
    out('|---|--:|--:|--:|--:|--:|');
    for (const layout of ['today', 'inline', 'bucketed', 'bucketed-runs'] as Layout[]) {
      const m = (pick: (c: TransitionCost) => number) => median(costs[layout].map(pick));
      const [publish, reserve, ack] = [m((c) => c.publish), m((c) => c.reserve), m((c) => c.ack)];
      out(`| ${layout} | ${publish.toFixed(2)} µs | ${reserve.toFixed(2)} µs | ${ack.toFixed(2)} µs | ${(publish + reserve + ack).toFixed(2)} µs | ${m((c) => c.bytesPerWaitingTask).toFixed(1)} |`);
    }
  } finally {
    await redis.quit();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
