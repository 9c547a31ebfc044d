import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const RESULTS_START = '<!-- bench:results:start -->';
export const RESULTS_END = '<!-- bench:results:end -->';

/**
 * Puts `results` between the result markers of `file`, keeping the text around
 * them; a file without markers gets the block appended, a missing file is created.
 */
export function writeResults(file: string, results: string): void {
  const block = `${RESULTS_START}\n${results.trim()}\n${RESULTS_END}`;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `## Benchmarks\n\n${block}\n`);
    return;
  }
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(RESULTS_START);
  const end = text.indexOf(RESULTS_END);
  if (start !== -1 && end > start) {
    writeFileSync(file, text.slice(0, start) + block + text.slice(end + RESULTS_END.length));
  } else {
    writeFileSync(file, `${text.trimEnd()}\n\n${block}\n`);
  }
}
