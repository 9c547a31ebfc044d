import type { DynamicModule, INestApplicationContext, Provider, Type } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { TaskModuleOptions } from '../../lib';
import { FoundationTasks, Greeter } from '../fixtures/foundation-tasks';
import { TestResources, type WorkerProcess } from '../support/test-resources';
export { sleep, waitFor } from '../support/wait';
export type { WorkerProcess } from '../support/test-resources';

/** `INFO commandstats` as { command: calls }. */
export async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const info = await redis.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return calls;
}

/** Every key of the server, with SCAN (never KEYS). */
export async function scanAll(redis: Redis, match = '*'): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** The documented layout of a queue's keys (lib/broker/redis/scripts/includes/queue-helpers.lua). */
export function queueKey(prefix: string, queue: string, part: 'ready' | 'prio' | 'delayed' | 'active' | 'messages' | 'lost' | 'wake' | 'dead'): string {
  return `${prefix}:{${queue}}:${part}`;
}

export function resultKey(prefix: string, id: string): string {
  return `${prefix}:result:${id}`;
}

/** The suite's resources, with the foundation tasks as default providers. */
export class Harness extends TestResources {
  override taskApp(
    options: TaskModuleOptions,
    providers: Provider[] = [FoundationTasks, Greeter],
    imports: Array<Type | DynamicModule> = [],
  ): Promise<INestApplicationContext> {
    return super.taskApp(options, providers, imports);
  }

  /** An app context of any root module made of `imports` and `providers`. */
  app(imports: Array<Type | DynamicModule>, providers: Provider[] = []): Promise<INestApplicationContext> {
    return this.moduleApp(imports, providers);
  }

  /** test/fixtures/foundation-worker-main.ts in a process of its own. */
  workerProcess(env: Record<string, string>): Promise<WorkerProcess> {
    return this.spawnWorker('foundation-worker-main', env);
  }
}
