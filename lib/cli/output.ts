/** How commands print: plain text for people, `--json` for scripts. */
export interface Output {
  line(text?: string): void;
  json(value: unknown): void;
  table(headers: string[], rows: Array<Array<string | number>>): void;
}

export function createOutput(stream: NodeJS.WritableStream = process.stdout): Output {
  return {
    line: (text = '') => void stream.write(`${text}\n`),
    json: (value) => void stream.write(`${JSON.stringify(value, null, 2)}\n`),
    table: (headers, rows) => {
      const cells = [headers, ...rows.map((row) => row.map(String))];
      const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
      const render = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
      stream.write(`${render(headers)}\n${render(widths.map((w) => '-'.repeat(w)))}\n`);
      for (const row of cells.slice(1)) stream.write(`${render(row)}\n`);
    },
  };
}

/** `3 s ago` / `in 2 min` for terminals. */
export function relative(at: number, now = Date.now()): string {
  const delta = now - at;
  const abs = Math.abs(delta);
  const text = abs < 60_000 ? `${Math.round(abs / 1000)} s` : abs < 3_600_000 ? `${Math.round(abs / 60_000)} min` : `${(abs / 3_600_000).toFixed(1)} h`;
  return delta >= 0 ? `${text} ago` : `in ${text}`;
}

/** Compact JSON cut at `max` characters. */
export function brief(value: unknown, max = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
