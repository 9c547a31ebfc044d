import { createConnection, type Socket } from 'node:net';

/**
 * Redis MONITOR over a plain socket: calls `onCommand` with the arguments of every command
 * the server runs (inside scripts too), from the time the returned promise resolves. Not
 * ioredis's `monitor()`: on a busy server the first lines can arrive in the same read as
 * the OK, before ioredis has switched the connection to monitor mode, and it then fails
 * with "Command queue state error". Returns a function that closes the connection.
 */
export async function monitorCommands(url: string, onCommand: (args: string[]) => void): Promise<() => void> {
  const { hostname, port } = new URL(url);
  const socket: Socket = createConnection({ host: hostname, port: Number(port) || 6379 });
  socket.setEncoding('latin1');
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    let ok = false;
    socket.once('error', reject);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!ok) {
          if (line !== '+OK') return reject(new Error(`MONITOR answered ${line}`));
          ok = true;
          resolve();
          continue;
        }
        const args = parseMonitorLine(line);
        if (args) onCommand(args);
      }
    });
    socket.once('connect', () => socket.write('MONITOR\r\n'));
  });
  socket.on('error', () => undefined);
  return () => socket.destroy();
}

/** The arguments of a MONITOR line (`+<time> [<db> <client>] "arg" "arg" ...`), unescaped; null for any other line. */
export function parseMonitorLine(line: string): string[] | null {
  const start = line.indexOf('] "');
  if (!line.startsWith('+') || start < 0) return null;
  const args: string[] = [];
  let bytes: number[] | null = null;
  for (let i = start + 2; i < line.length; i++) {
    const c = line[i];
    if (bytes === null) {
      if (c === '"') bytes = [];
      continue;
    }
    if (c === '"') {
      args.push(Buffer.from(bytes).toString('utf8'));
      bytes = null;
    } else if (c === '\\') {
      const next = line[++i];
      if (next === 'x') {
        bytes.push(parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        bytes.push((ESCAPES[next] ?? next).charCodeAt(0));
      }
    } else {
      bytes.push(c.charCodeAt(0));
    }
  }
  return args;
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
