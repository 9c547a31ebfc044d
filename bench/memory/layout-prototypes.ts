import type { Redis } from 'ioredis';

/**
 * Stripped-down publish / reserve / ack of a queue in two layouts, the same simplifications
 * on both sides (no priorities, no delays, no lost-lease sweep), so that what Redis spends
 * on each transition can be compared: `today` (ids in the ready list, JSON bodies in the
 * messages hash) and `inline` (the design of docs/design-notes/waiting-task-memory.md: the
 * compact body travels in the ready list behind its packed id; the ids index lives in
 * small hashes; the body moves to the messages hash while leased), and `bucketed` (the
 * alternative: the messages hash split into small hashes by id, ids in the ready list).
 */
export const PROTOTYPES = {
  today: {
    // KEYS ready, messages, wake; ARGV pairs id, body
    publish: `
local ready = {}
for i = 1, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1]) == 1 then ready[#ready + 1] = ARGV[i] end
end
if #ready > 0 then redis.call('LPUSH', KEYS[1], unpack(ready)) end
if redis.call('LLEN', KEYS[3]) == 0 then redis.call('RPUSH', KEYS[3], '1') end
return #ready`,
    // KEYS ready, active, messages, lost; ARGV count, deadline, token
    reserve: `
local ids = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not ids then return {} end
local lease = {}
for i, id in ipairs(ids) do
  lease[2 * i - 1] = ARGV[2]
  lease[2 * i] = id .. '|' .. ARGV[3]
end
redis.call('ZADD', KEYS[2], unpack(lease))
local bodies = redis.call('HMGET', KEYS[3], unpack(ids))
local lost = redis.call('HMGET', KEYS[4], unpack(ids))
local out = {}
for i, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = bodies[i]
end
return out`,
    // KEYS active, messages, lost; ARGV pairs id, token
    ack: `
local done = {}
for i = 1, #ARGV, 2 do
  if redis.call('ZREM', KEYS[1], ARGV[i] .. '|' .. ARGV[i + 1]) == 1 then done[#done + 1] = ARGV[i] end
end
if #done > 0 then
  redis.call('HDEL', KEYS[2], unpack(done))
  redis.call('HDEL', KEYS[3], unpack(done))
end
return #done`,
  },
  inline: {
    // KEYS ready, wake, then the index buckets; ARGV triples bucket (index into KEYS), packed id, compact body
    publish: `
local ready = {}
for i = 1, #ARGV, 3 do
  local id = ARGV[i + 1]
  if redis.call('HSETNX', KEYS[tonumber(ARGV[i])], id, '') == 1 then
    ready[#ready + 1] = string.char(#id) .. id .. ARGV[i + 2]
  end
end
if #ready > 0 then redis.call('LPUSH', KEYS[1], unpack(ready)) end
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('RPUSH', KEYS[2], '1') end
return #ready`,
    // KEYS ready, active, messages, lost; ARGV count, deadline, token
    reserve: `
local items = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not items then return {} end
local lease, held, ids, out = {}, {}, {}, {}
for i, item in ipairs(items) do
  local n = string.byte(item, 1)
  local id, body = string.sub(item, 2, n + 1), string.sub(item, n + 2)
  ids[i] = id
  lease[2 * i - 1] = ARGV[2]
  lease[2 * i] = id .. '|' .. ARGV[3]
  held[2 * i - 1] = id
  held[2 * i] = body
  out[#out + 1] = id
  out[#out + 1] = body
end
redis.call('ZADD', KEYS[2], unpack(lease))
redis.call('HSET', KEYS[3], unpack(held))
local lost = redis.call('HMGET', KEYS[4], unpack(ids))
return out`,
    // KEYS active, messages, lost, then the index buckets; ARGV triples id, token, bucket (index into KEYS)
    ack: `
local done = {}
for i = 1, #ARGV, 3 do
  if redis.call('ZREM', KEYS[1], ARGV[i] .. '|' .. ARGV[i + 1]) == 1 then
    done[#done + 1] = ARGV[i]
    redis.call('HDEL', KEYS[tonumber(ARGV[i + 2])], ARGV[i])
  end
end
if #done > 0 then
  redis.call('HDEL', KEYS[2], unpack(done))
  redis.call('HDEL', KEYS[3], unpack(done))
end
return #done`,
  },
  bucketed: {
    // KEYS ready, wake, then the buckets; ARGV triples bucket (index into KEYS), packed id, compact body
    publish: `
local ready = {}
for i = 1, #ARGV, 3 do
  local id = ARGV[i + 1]
  if redis.call('HSETNX', KEYS[tonumber(ARGV[i])], id, ARGV[i + 2]) == 1 then ready[#ready + 1] = id end
end
if #ready > 0 then redis.call('LPUSH', KEYS[1], unpack(ready)) end
if redis.call('LLEN', KEYS[2]) == 0 then redis.call('RPUSH', KEYS[2], '1') end
return #ready`,
    // KEYS ready, active, buckets' base (the bucket number is appended), lost; ARGV count, deadline, token.
    // One HMGET per bucket met (ids of one producer's run share a bucket).
    reserve: `
local ids = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not ids then return {} end
local lease, groups, order = {}, {}, {}
for i, id in ipairs(ids) do
  lease[2 * i - 1] = ARGV[2]
  lease[2 * i] = id .. '|' .. ARGV[3]
  local bucket = (string.byte(id, 15) * 256 + string.byte(id, 16)) % BUCKET_COUNT
  local group = groups[bucket]
  if not group then
    group = {}
    groups[bucket] = group
    order[#order + 1] = bucket
  end
  group[#group + 1] = i
end
redis.call('ZADD', KEYS[2], unpack(lease))
local bodies = {}
for _, bucket in ipairs(order) do
  local names = {}
  for j, i in ipairs(groups[bucket]) do names[j] = ids[i] end
  local got = redis.call('HMGET', KEYS[3] .. bucket, unpack(names))
  for j, i in ipairs(groups[bucket]) do bodies[i] = got[j] end
end
local lost = redis.call('HMGET', KEYS[4], unpack(ids))
local out = {}
for i, id in ipairs(ids) do
  out[#out + 1] = id
  out[#out + 1] = bodies[i]
end
return out`,
    // KEYS active, lost, then the buckets; ARGV token, then per bucket: its index into KEYS, n, n ids
    ack: `
local done, i = 0, 2
while i <= #ARGV do
  local key, n, acked = KEYS[tonumber(ARGV[i])], tonumber(ARGV[i + 1]), {}
  for j = i + 2, i + 1 + n do
    if redis.call('ZREM', KEYS[1], ARGV[j] .. '|' .. ARGV[1]) == 1 then acked[#acked + 1] = ARGV[j] end
  end
  if #acked > 0 then
    redis.call('HDEL', key, unpack(acked))
    redis.call('HDEL', KEYS[2], unpack(acked))
    done = done + #acked
  end
  i = i + 2 + n
end
return done`,
  },
} as const;

/** A layout, and for `bucketed` how ids pick their bucket: at random, or by runs of 128 of one producer. */
export type Layout = keyof typeof PROTOTYPES | 'bucketed-runs';

/** Redis CPU per task of each transition, µs (from INFO commandstats), and memory per waiting task, B. */
export interface TransitionCost {
  publish: number;
  reserve: number;
  ack: number;
  bytesPerWaitingTask: number;
}

interface Message {
  id: string;
  /** The packed id (inline layout). */
  packed: Buffer;
  json: string;
  compact: string;
}

async function evalUsec(redis: Redis): Promise<number> {
  const stats = await redis.info('commandstats');
  const field = (name: string) => Number(new RegExp(`^cmdstat_${name}:calls=\\d+,usec=(\\d+)`, 'm').exec(stats)?.[1] ?? 0);
  return field('evalsha') + field('eval');
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await redis.info('memory'))?.[1] ?? NaN);
}

/**
 * Publishes `messages` in calls of `chunk`, then reserves and acks them in batches of
 * `batch` (as a worker of that concurrency does), on keys under `base` (removed after).
 */
export async function measureLayout(redis: Redis, layout: Layout, base: string, messages: readonly Message[], buckets: number, chunk = 1000, batch = 50): Promise<TransitionCost> {
  const scripts = PROTOTYPES[layout === 'bucketed-runs' ? 'bucketed' : layout];
  const bucketed = layout === 'bucketed' || layout === 'bucketed-runs';
  const load = async (source: string) => String(await redis.script('LOAD', source.replace('BUCKET_COUNT', String(buckets))));
  const sha = { publish: await load(scripts.publish), reserve: await load(scripts.reserve), ack: await load(scripts.ack) };
  const key = (part: string) => `${base}:${part}`;
  const bucketKey = (packed: Buffer) => key(`${bucketed ? 'm:' : 'ids:'}${packed.readUInt16BE(14) % buckets}`);
  const memoryBefore = await usedMemory(redis);
  let usec = await evalUsec(redis);
  const cost = { publish: 0, reserve: 0, ack: 0, bytesPerWaitingTask: 0 };
  for (let start = 0; start < messages.length; start += chunk) {
    const part = messages.slice(start, start + chunk);
    if (layout === 'today') {
      await redis.evalsha(sha.publish, 3, key('ready'), key('messages'), key('wake'), ...part.flatMap((m) => [m.id, m.json]));
    } else {
      const keys = [...new Set(part.map((m) => bucketKey(m.packed)))];
      const index = new Map(keys.map((k, i) => [k, i + 3]));
      const argv = part.flatMap((m) => [String(index.get(bucketKey(m.packed))), m.packed, m.compact]);
      await redis.evalsha(sha.publish, 2 + keys.length, key('ready'), key('wake'), ...keys, ...argv);
    }
  }
  cost.publish = ((await evalUsec(redis)) - usec) / messages.length;
  cost.bytesPerWaitingTask = ((await usedMemory(redis)) - memoryBefore) / messages.length;
  let reserveUsec = 0;
  let ackUsec = 0;
  for (let done = 0; done < messages.length; ) {
    usec = await evalUsec(redis);
    const deadline = String(Date.now() + 60_000);
    const token = `t${done}`;
    const third = bucketed ? key('m:') : key('messages');
    const flat = (await redis.callBuffer('EVALSHA', sha.reserve, 4, key('ready'), key('active'), third, key('lost'), String(batch), deadline, token)) as Buffer[];
    const afterReserve = await evalUsec(redis);
    reserveUsec += afterReserve - usec;
    const ids = flat.filter((_, i) => i % 2 === 0);
    if (ids.length === 0) throw new Error(`${layout}: the queue ran dry after ${done} of ${messages.length}`);
    if (layout === 'today') {
      await redis.evalsha(sha.ack, 3, key('active'), key('messages'), key('lost'), ...ids.flatMap((id) => [id, token]));
    } else if (bucketed) {
      const groups = new Map<string, Buffer[]>();
      for (const id of ids) groups.set(bucketKey(id), [...(groups.get(bucketKey(id)) ?? []), id]);
      const keys = [...groups.keys()];
      const argv = keys.flatMap((k, i) => [String(i + 3), String(groups.get(k)!.length), ...groups.get(k)!]);
      await redis.evalsha(sha.ack, 2 + keys.length, key('active'), key('lost'), ...keys, token, ...argv);
    } else {
      const keys = [...new Set(ids.map(bucketKey))];
      const index = new Map(keys.map((k, i) => [k, i + 4]));
      await redis.evalsha(sha.ack, 3 + keys.length, key('active'), key('messages'), key('lost'), ...keys, ...ids.flatMap((id) => [id, token, String(index.get(bucketKey(id)))]));
    }
    ackUsec += (await evalUsec(redis)) - afterReserve;
    done += ids.length;
  }
  cost.reserve = reserveUsec / messages.length;
  cost.ack = ackUsec / messages.length;
  const left = (await redis.keys(`${base}:*`)).filter((k) => !k.endsWith(':wake'));
  if (left.length > 0) throw new Error(`${layout}: keys left after every message was acked: ${left.slice(0, 5).join(', ')}`);
  await redis.del(key('wake'));
  return cost;
}

export type { Message as PrototypeMessage };
