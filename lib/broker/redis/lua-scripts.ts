import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

const SCRIPT_DIR = join(__dirname, 'scripts');
const QUEUE_KEY_COUNT = 10;

/** Every script, by the command name it is defined under: its file and how many KEYS it takes. */
export const SCRIPTS = {
  ntPublish: { file: 'publish', keys: QUEUE_KEY_COUNT },
  ntPublishUnique: { file: 'publish-unique', keys: QUEUE_KEY_COUNT + 1 },
  ntReserve: { file: 'reserve', keys: QUEUE_KEY_COUNT },
  ntAck: { file: 'ack', keys: QUEUE_KEY_COUNT },
  ntRequeue: { file: 'requeue', keys: QUEUE_KEY_COUNT },
  ntDeadLetter: { file: 'dead-letter', keys: QUEUE_KEY_COUNT },
  ntRateLimit: { file: 'rate-limit', keys: 1 },
  ntRateReset: { file: 'rate-reset', keys: 1 },
  ntRateWait: { file: 'rate-wait', keys: QUEUE_KEY_COUNT + 2 },
  ntRateRelease: { file: 'rate-release', keys: QUEUE_KEY_COUNT + 2 },
} as const;

/** Scripts whose KEYS vary in number: called with the count first. */
export const VARIADIC_SCRIPTS = {
  ntStoreResults: { file: 'store-results' },
} as const;

export type ScriptName = keyof typeof SCRIPTS;

/** Reads a script and inlines its `-- @include name` lines from scripts/includes. */
export function readScript(file: string): string {
  const source = readFileSync(join(SCRIPT_DIR, `${file}.lua`), 'utf8');
  return source.replace(/^-- @include ([\w-]+)\s*$/m, (_, name: string) =>
    readFileSync(join(SCRIPT_DIR, 'includes', `${name}.lua`), 'utf8'),
  );
}

let loaded: Array<[ScriptName, string]> | undefined;
let variadic: Array<[VariadicScriptName, string]> | undefined;

export type VariadicScriptName = keyof typeof VARIADIC_SCRIPTS;

/** Defines every script on a connection once (ioredis sends EVALSHA, loading on NOSCRIPT). */
export function defineScripts(redis: Redis): void {
  loaded ??= (Object.keys(SCRIPTS) as ScriptName[]).map((name) => [name, readScript(SCRIPTS[name].file)]);
  for (const [name, lua] of loaded) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') {
      redis.defineCommand(name, { numberOfKeys: SCRIPTS[name].keys, lua });
    }
  }
  variadic ??= (Object.keys(VARIADIC_SCRIPTS) as VariadicScriptName[]).map((name) => [name, readScript(VARIADIC_SCRIPTS[name].file)]);
  for (const [name, lua] of variadic) {
    if (typeof (redis as unknown as Record<string, unknown>)[name] !== 'function') redis.defineCommand(name, { lua });
  }
}
