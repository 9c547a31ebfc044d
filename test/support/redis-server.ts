import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A redis-server the tests start and own, on a free loopback port. */
export interface RedisServerHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Stops it and starts it again on the same port and data directory. */
  restart(): Promise<void>;
  /** Stops it, keeping its port and data directory for `resume()`. */
  halt(): Promise<void>;
  /** Starts it again after `halt()`. */
  resume(): Promise<void>;
}

/** Ports this process has handed out, so that two starts in one process never share one. */
const handedOut = new Set<number>();

export async function freePort(): Promise<number> {
  for (;;) {
    const port = await askKernelForPort();
    // port ± 10000: a cluster node's bus port, or the node whose bus port this is
    if (handedOut.has(port) || handedOut.has(port - 10000) || handedOut.has(port + 10000)) continue;
    handedOut.add(port);
    return port;
  }
}

/** Another process may bind the port between `freePort()` and redis-server's own bind. */
export function isAddressInUse(error: unknown): boolean {
  return error instanceof Error && /Address already in use/.test(error.message);
}

async function askKernelForPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  appendonly?: boolean;
  /** A port chosen by the caller (default: a free one). */
  port?: number;
  /** More redis-server arguments (cluster mode, replication). */
  extraArgs?: string[];
}

/** Starts on a port taken meanwhile by another process, before giving up. */
export const BIND_ATTEMPTS = 5;

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(options.port ?? (await freePort()), options);
    } catch (error) {
      if (options.port !== undefined || attempt === BIND_ATTEMPTS || !isAddressInUse(error)) throw error;
    }
  }
}

async function startOnPort(port: number, options: RedisServerOptions): Promise<RedisServerHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-tasks-redis-'));
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', options.appendonly ? 'yes' : 'no', '--appendfsync', 'always', '--dir', dir, '--daemonize', 'no', '--protected-mode', 'no', ...(options.extraArgs ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          child.stdout?.off('data', onData);
          child.stdout?.resume();
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
      child.once('error', reject);
    });
  };
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  };
  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get pid() {
      return child.pid ?? -1;
    },
    dir,
    stop: async (signal) => {
      await stop(signal);
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await launch();
    },
    halt: () => stop(),
    resume: () => launch(),
  };
}
