import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Summarizes a .cpuprofile written by `npm run bench -- --profile <dir>`: where the
 * process spent its time, by package or library folder and by function (self time).
 *   node dist/bench/profile-summary.js <file.cpuprofile> [top] [startUs endUs]
 * The runner writes one next to each profile, limited to the timed window.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function readProfile(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

/** Where a frame's code lives: a package, a folder of the library, Node itself, or V8. */
export function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const lib = /dist\/lib\/([^/]+)/.exec(url);
  if (lib) return `nestjs-tasks/${lib[1]}`;
  if (url.includes('dist/bench/')) return 'bench';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return basename(url);
}

/**
 * Self time by function and by area; with `window` (monotonic µs, as the bench
 * children report it) only the samples of the timed part count.
 */
export function summarize(profile: CpuProfile, top = 25, window?: { startUs: number; endUs: number }): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.startUs || at > window.endUs)) continue;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + delta);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, micros] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = area(url, functionName);
    areas.set(where, (areas.get(where) ?? 0) + micros);
    const name = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''} [${where}]`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const table = (map: Map<string, number>, n: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, micros]) => `${(micros / 1000).toFixed(0).padStart(7)} ms ${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return [
    `${(total / 1000).toFixed(0)} ms sampled${window ? ` in the timed window of ${((window.endUs - window.startUs) / 1000).toFixed(0)} ms` : ' (whole process)'}`,
    '',
    'Self time by area:',
    table(areas, 20),
    '',
    `Top ${top} functions by self time:`,
    table(functions, top),
  ].join('\n');
}

if (require.main === module) {
  const [file, top, startUs, endUs] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node dist/bench/profile-summary.js <file.cpuprofile> [top] [startUs endUs]');
    process.exitCode = 1;
  } else {
    const window = startUs && endUs ? { startUs: Number(startUs), endUs: Number(endUs) } : undefined;
    console.log(summarize(readProfile(file), top ? Number(top) : 25, window));
  }
}
