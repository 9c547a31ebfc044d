import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import { existsSync, writeFileSync } from 'node:fs';
import { readProfile, summarize } from './profile-summary';
import { JOB_ENV, type ChildJob, type ChildMessage, type ChildResult, type RunnerMessage } from './child/protocol';

/** A child process running one side of one measurement. */
export interface ChildHandle {
  /** Resolves when a worker child consumes (latency runs). */
  readonly ready: Promise<void>;
  /** Resolves with the result once the child has exited. */
  readonly result: Promise<ChildResult>;
  /** Tells the child something (`process-share` children). */
  send(message: RunnerMessage): void;
  /** Calls `listener` with every message of the child from now on. */
  onMessage(listener: (message: ChildMessage) => void): void;
}

export interface ChildSettings {
  /** --cpu-prof into this directory. */
  profileDir?: string;
  /** Names the profile file and error messages. */
  label: string;
  /** Killed after this long, ms. */
  timeoutMs: number;
}

/** How long a child may take to exit after its result before it is killed (a library left a handle open). */
const EXIT_GRACE_MS = 10_000;

const live = new Set<ChildProcess>();

/** Kills the children still running (the runner failed or was interrupted). */
export function killAllChildren(): void {
  for (const child of live) child.kill('SIGKILL');
  live.clear();
}

export function startChild(job: ChildJob, settings: ChildSettings): ChildHandle {
  // The runner's own flags (such as a -r hook when it runs from source) carry over; profiling is per child.
  const execArgv = [...process.execArgv.filter((arg) => !arg.startsWith('--cpu-prof')), '--expose-gc'];
  if (settings.profileDir) {
    execArgv.push('--cpu-prof', `--cpu-prof-dir=${settings.profileDir}`, `--cpu-prof-name=${settings.label}.cpuprofile`);
  }
  const child = fork(join(__dirname, 'child', `child-main${extname(__filename)}`), [], {
    env: { ...process.env, [JOB_ENV]: JSON.stringify(job) },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(child);
  const listeners: Array<(message: ChildMessage) => void> = [];
  child.on('message', (message: ChildMessage) => listeners.forEach((listener) => listener(message)));
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const result = new Promise<ChildResult>((resolve, reject) => {
    let outcome: { result?: ChildResult; error?: string } = {};
    let exitTimer: NodeJS.Timeout | undefined;
    const timeout = setTimeout(() => {
      outcome = { error: `${settings.label} took longer than ${settings.timeoutMs} ms and was killed` };
      child.kill('SIGKILL');
    }, settings.timeoutMs);
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'ready') markReady();
      else if (message.type === 'error') outcome = { error: `${settings.label} failed: ${message.message}` };
      else if (message.type === 'result') {
        outcome = { result: message.result };
        exitTimer = setTimeout(() => {
          console.error(`warning: ${settings.label} did not exit ${EXIT_GRACE_MS} ms after its result (open handles); killed`);
          child.kill('SIGKILL');
        }, EXIT_GRACE_MS);
      }
    });
    child.once('error', (error) => (outcome = { error: `${settings.label} could not run: ${error.message}` }));
    child.once('exit', (code, signal) => {
      live.delete(child);
      clearTimeout(timeout);
      if (exitTimer) clearTimeout(exitTimer);
      markReady();
      if (outcome.result && settings.profileDir) writeProfileSummary(settings.profileDir, settings.label, outcome.result);
      if (outcome.result) resolve(outcome.result);
      else reject(new Error(outcome.error ?? `${settings.label} exited (${signal ?? code}) without a result`));
    });
  });
  return {
    ready,
    result,
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => listeners.push(listener),
  };
}

/** `<label>.txt` next to `<label>.cpuprofile`: where the timed part of the child spent its time. */
function writeProfileSummary(dir: string, label: string, result: ChildResult): void {
  const file = join(dir, `${label}.cpuprofile`);
  if (!existsSync(file)) return;
  try {
    writeFileSync(join(dir, `${label}.txt`), `${summarize(readProfile(file), Number(process.env.BENCH_PROFILE_TOP ?? 40), 'window' in result ? result.window : undefined)}\n`);
  } catch (error) {
    console.error(`warning: could not summarize ${file}: ${(error as Error).message}`);
  }
}
