import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

const SCRIPT_DIR = join(__dirname, 'scripts');
const QUEUE_KEY_COUNT = 10;

/** The queue scripts, by the command name each is defined under. */
export const QUEUE_SCRIPTS = {
  ntPublish: 'publish',
  ntReserve: 'reserve',
  ntAck: 'ack',
  ntRequeue: 'requeue',
  ntDeadLetter: 'dead-letter',
} as const;

export type QueueScriptName = keyof typeof QUEUE_SCRIPTS;

/** Reads a script and inlines its `-- @include name` lines from scripts/includes. */
export function readScript(file: string): string {
  const source = readFileSync(join(SCRIPT_DIR, `${file}.lua`), 'utf8');
  return source.replace(/^-- @include ([\w-]+)\s*$/m, (_, name: string) =>
    readFileSync(join(SCRIPT_DIR, 'includes', `${name}.lua`), 'utf8'),
  );
}

let loaded: Array<[QueueScriptName, string]> | undefined;

/** Defines every script on a connection once (ioredis sends EVALSHA, loading on NOSCRIPT). */
export function defineScripts(redis: Redis): void {
  loaded ??= (Object.keys(QUEUE_SCRIPTS) as QueueScriptName[]).map((name) => [name, readScript(QUEUE_SCRIPTS[name])]);
  for (const [name, lua] of loaded) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: QUEUE_KEY_COUNT, lua });
    }
  }
}
