import type { Redis } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';

export interface MachineInfo {
  date: string;
  cpus: string;
  memory: string;
  os: string;
  node: string;
  redis: string;
  nestjsTasks: string;
  /** The commit measured, and whether lib/ had changes on top of it; empty outside a git checkout. */
  revision: string;
  bullmq: string;
  /** 1-minute load average when the run started and ended: a busy machine shows here. */
  load: string;
}

export async function machineInfo(redis: Redis, loadAtStart: number): Promise<MachineInfo> {
  const server = await redis.info('server');
  const list = cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpus: `${list.length} x ${list[0]?.model.trim() ?? 'unknown'}`,
    memory: `${Math.round(totalmem() / 1024 ** 3)} GiB`,
    os: `${type()} ${release()}`,
    node: process.version,
    redis: /^redis_version:(.+)$/m.exec(server)?.[1].trim() ?? 'unknown',
    nestjsTasks: packageVersion(findOwnPackage(__dirname)),
    revision: gitRevision(dirname(findOwnPackage(__dirname))),
    bullmq: packageVersion(join(dirname(require.resolve('bullmq')), '..', '..', 'package.json')),
    load: `${loadAtStart.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`,
  };
}

/** The package.json of nestjs-tasks above `dir` (the bench runs from dist/bench or from bench/). */
function findOwnPackage(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    const file = join(current, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'nestjs-tasks') return file;
    if (dirname(current) === current) return file;
  }
}

function gitRevision(root: string): string {
  try {
    const run = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = run('rev-parse', '--short', 'HEAD');
    return run('status', '--porcelain', '--', 'lib') ? `${commit} + uncommitted lib/ changes` : commit;
  } catch {
    return '';
  }
}

function packageVersion(file: string): string {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
