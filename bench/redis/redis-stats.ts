import type { Redis } from 'ioredis';

/** What Redis did during a measurement: its CPU time and the commands it ran. */
export interface RedisSnapshot {
  cpuMs: number;
  /** Calls per command, scripts' inner calls included. */
  calls: Map<string, number>;
  usedMemory: number;
}

export interface RedisUsage {
  cpuMs: number;
  calls: Record<string, number>;
  totalCalls: number;
  /** used_memory change, bytes. */
  memoryDelta: number;
}

export async function snapshotRedis(redis: Redis): Promise<RedisSnapshot> {
  const [cpu, commandstats, memory] = await Promise.all([redis.info('cpu'), redis.info('commandstats'), redis.info('memory')]);
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? 0);
  const calls = new Map<string, number>();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1], Number(match[2]));
  return {
    cpuMs: (field(cpu, 'used_cpu_user') + field(cpu, 'used_cpu_sys')) * 1000,
    calls,
    usedMemory: field(memory, 'used_memory'),
  };
}

export function usageBetween(before: RedisSnapshot, after: RedisSnapshot): RedisUsage {
  const calls: Record<string, number> = {};
  let totalCalls = 0;
  for (const [command, count] of after.calls) {
    if (command === 'info') continue; // our own snapshots
    const delta = count - (before.calls.get(command) ?? 0);
    if (delta > 0) {
      calls[command] = delta;
      totalCalls += delta;
    }
  }
  return { cpuMs: after.cpuMs - before.cpuMs, calls, totalCalls, memoryDelta: after.usedMemory - before.usedMemory };
}
