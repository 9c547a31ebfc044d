import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { waitFor } from '../support/wait';

/** Debian's Python with python3-celery and python3-redis (scripts/check-system.js checks it). */
export const PYTHON = process.env.CELERY_PYTHON ?? '/usr/bin/python3';
const PYTHON_DIR = join(__dirname, 'python');

/** A real Celery worker (test/celery/python/celery_app.py) against the suite's redis-server. */
export interface CeleryWorker {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const workers = new Set<CeleryWorker>();

export async function startCeleryWorker(redisUrl: string, queues: string[], env: Record<string, string> = {}): Promise<CeleryWorker> {
  const child = spawn(
    PYTHON,
    ['-m', 'celery', '-A', 'celery_app', 'worker', '--pool', 'solo', '--without-mingle', '--without-gossip', '--without-heartbeat', '-Q', queues.join(','), '-l', 'INFO', '-n', `py-${process.pid}-${workers.size}@%h`],
    { cwd: PYTHON_DIR, env: { ...process.env, REDIS_URL: redisUrl, PYTHONUNBUFFERED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const worker: CeleryWorker = {
    child,
    output: () => output,
    exited,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
      workers.delete(worker);
    },
  };
  workers.add(worker);
  await waitFor(() => / ready\.|exited/.test(output) || child.exitCode !== null, 'the Celery worker to be ready', 30_000, 50);
  if (child.exitCode !== null) throw new Error(`the Celery worker exited:\n${output}`);
  return worker;
}

/** Warm shutdown (SIGTERM: a Celery worker acknowledges what it finished), SIGKILL after 10 s. */
export async function stopCeleryWorkers(): Promise<void> {
  await Promise.all(
    [...workers].map(async (worker) => {
      const timer = setTimeout(() => worker.child.kill('SIGKILL'), 10_000);
      await worker.kill('SIGTERM');
      clearTimeout(timer);
    }),
  );
}

/** Runs test/celery/python/producer.py with one command; resolves with its JSON answer. */
export function pythonProducer<T = PythonOutcome>(redisUrl: string, command: Record<string, unknown>, env: Record<string, string> = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ['producer.py', JSON.stringify(command)], {
      cwd: PYTHON_DIR,
      env: { ...process.env, REDIS_URL: redisUrl, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as T);
      } catch {
        reject(new Error(`producer.py exited ${code}: ${out}\n${err}`));
      }
    });
  });
}

export interface PythonOutcome {
  id: string;
  status?: string;
  result?: unknown;
  error?: { type: string; message: string; module: string };
}
