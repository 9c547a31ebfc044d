import type { INestApplicationContext } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TaskClient, TaskWorker, type ResultRecord, type TaskModuleOptions, type WorkerStartOptions } from '../../lib/internal';
import { Marks, marksKey, ReliabilityTasks, type Mark } from '../fixtures/reliability-tasks';
import { TestResources, type WorkerProcess } from '../support/test-resources';
export { sleep, waitFor } from '../support/wait';
export type { WorkerProcess } from '../support/test-resources';

/** Resolves with the promise's value, or with `fallback` after `ms` (the timer is cleared either way). */
export async function within<T, F>(promise: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(resolve, ms, fallback)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The documented layout of a queue's keys (lib/broker/redis/scripts/includes/queue-helpers.lua). */
export type QueuePart = 'ready' | 'prio' | 'delayed' | 'active' | 'messages' | 'lost' | 'wake' | 'dead' | 'pri' | 'seq';
export function queueKey(prefix: string, queue: string, part: QueuePart): string {
  return `${prefix}:{${queue}}:${part}`;
}

/**
 * The marks under `key`, each once. ioredis sends again a command whose connection dropped
 * before its reply (a CLIENT KILL in the soak), so one RPUSH can land twice: its token says so.
 */
export async function readMarks(redis: Redis, prefix: string, key: string): Promise<Mark[]> {
  const entries = await redis.lrange(marksKey(prefix, key), 0, -1);
  const seen = new Set<string>();
  const marks: Mark[] = [];
  for (const entry of entries) {
    const mark = JSON.parse(entry) as Mark;
    if (seen.has(mark.token)) continue;
    seen.add(mark.token);
    marks.push(mark);
  }
  return marks;
}

export async function readResult(redis: Redis, prefix: string, id: string): Promise<ResultRecord | null> {
  const json = await redis.get(`${prefix}:result:${id}`);
  return json ? (JSON.parse(json) as ResultRecord) : null;
}

/** True while a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface InProcessWorker {
  readonly app: INestApplicationContext;
  readonly client: TaskClient;
  readonly worker: TaskWorker;
}

/** The suite's resources, with the reliability tasks; worker processes run test/fixtures/reliability-worker-main.ts. */
export class Harness extends TestResources {
  /** An app context with TaskModule.forRoot(options) and the reliability tasks. */
  async app(options: TaskModuleOptions): Promise<InProcessWorker> {
    const app = await this.taskApp(options, [ReliabilityTasks, Marks]);
    return { app, client: app.get(TaskClient), worker: app.get(TaskWorker) };
  }

  /** `app()` with its worker started. */
  async worker(options: TaskModuleOptions, start: WorkerStartOptions = {}): Promise<InProcessWorker> {
    const made = await this.app(options);
    await made.worker.start(start);
    return made;
  }

  workerProcess(env: Record<string, string | number>): Promise<WorkerProcess> {
    return this.spawnWorker('reliability-worker-main', env);
  }
}
