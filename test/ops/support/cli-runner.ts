import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'test', 'support', 'register-ts.js');
const MAIN = join(ROOT, 'lib', 'cli', 'main.ts');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { REDIS_URL: _r, NEST_TASKS_PREFIX: _p, ...rest } = process.env;
  return { ...rest, NEST_TASKS_NO_PROGRESS: '1', FORCE_COLOR: '0', NO_COLOR: '1', ...extra };
}

/** A running `nest-tasks` (the TypeScript sources through the test TS hook). */
export class CliProcess {
  stdout = '';
  stderr = '';
  /** The exit code, or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** Resolves once stdout or stderr matches; rejects if it exits first or after `timeout`. */
  async waitFor(pattern: RegExp, timeout = 30_000): Promise<string> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const all = this.stdout + this.stderr;
      const match = pattern.exec(all);
      if (match) return match[0];
      if (this.child.exitCode !== null) throw new Error(`nest-tasks exited (${this.child.exitCode}) before printing ${pattern}:\n${all}`);
      if (Date.now() > deadline) throw new Error(`nest-tasks did not print ${pattern} within ${timeout} ms:\n${all}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Sends `signal` and waits for the exit. Nest's shutdown hooks close the app, then re-raise the signal. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

export function startCli(args: string[], extraEnv: Record<string, string> = {}): CliProcess {
  return new CliProcess(spawn(process.execPath, ['-r', REGISTER, MAIN, ...args], { cwd: ROOT, env: env(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] }));
}

/** Runs a command to its end. */
export async function runCli(args: string[], extraEnv: Record<string, string> = {}, timeout = 60_000): Promise<CliResult> {
  const cli = startCli(args, extraEnv);
  const timer = setTimeout(() => cli.child.kill('SIGKILL'), timeout);
  const { code } = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}
