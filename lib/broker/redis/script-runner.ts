import type { RedisClient } from './redis-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestTasksError } from '../../errors';
import { SCRIPTS, type ScriptName } from './scripts';

const SCRIPT_DIR = join(__dirname, 'scripts');

type ScriptCommand = (...argv: Array<string | number>) => Promise<unknown>;

/** Reads a script and inlines its `-- @include name` lines from scripts/includes. */
export function readScript(file: string): string {
  const source = readFileSync(join(SCRIPT_DIR, `${file}.lua`), 'utf8');
  return source.replace(/^-- @include ([\w-]+)\s*$/m, (_, name: string) => readFileSync(join(SCRIPT_DIR, 'includes', `${name}.lua`), 'utf8'));
}

let sources: ReadonlyMap<ScriptName, string> | undefined;

function scriptSources(): ReadonlyMap<ScriptName, string> {
  return (sources ??= new Map((Object.keys(SCRIPTS) as ScriptName[]).map((name) => [name, readScript(SCRIPTS[name].file)])));
}

/**
 * Runs the backend's Lua scripts on one connection. Each is defined once as an
 * ioredis command, which sends EVALSHA and loads the script on NOSCRIPT.
 */
export class ScriptRunner {
  private readonly commands = new Map<ScriptName, ScriptCommand>();

  constructor(private readonly redis: RedisClient) {
    for (const [name, lua] of scriptSources()) {
      const keys = keyCount(name);
      if (typeof Reflect.get(redis, name) !== 'function') {
        redis.defineCommand(name, keys === undefined ? { lua } : { numberOfKeys: keys, lua });
      }
      this.commands.set(name, commandOf(redis, name));
    }
  }

  /** Runs `name` with its KEYS, then its ARGV. */
  run(name: ScriptName, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    const command = this.commands.get(name) ?? commandOf(this.redis, name);
    return keyCount(name) === undefined ? command(keys.length, ...keys, ...args) : command(...keys, ...args);
  }
}

function commandOf(redis: RedisClient, name: ScriptName): ScriptCommand {
  const method: unknown = Reflect.get(redis, name);
  if (typeof method !== 'function') throw new NestTasksError(`The Redis script ${name} is not defined on this connection`);
  return (...argv) => method.apply(redis, argv);
}

/** How many KEYS `name` takes; undefined when the count is passed at each call. */
function keyCount(name: ScriptName): number | undefined {
  const script: { file: string; keys?: number } = SCRIPTS[name];
  return script.keys;
}
