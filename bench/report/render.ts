import type { BenchOptions } from '../options';
import type { MachineInfo } from './machine-info';
import type { Row } from './rows';

const HEADER = ['Metric', 'nestjs-tasks', 'BullMQ', 'nestjs-tasks advantage', 'Goal'];

function cells(row: Row): string[] {
  const value = (n: number | undefined) => (n === undefined ? '-' : row.format(n));
  return [
    row.metric,
    value(row.values['nestjs-tasks']),
    value(row.values.bullmq),
    row.advantage === undefined ? '-' : `${row.advantage.toFixed(2)}x`,
    row.goal ? `${row.goal.text}: ${row.goal.met ? 'met' : 'MISSED'}` : '',
  ];
}

/** A fixed-width table for the terminal. */
export function renderText(rows: Row[]): string {
  const table = [HEADER, ...rows.map(cells)];
  const widths = HEADER.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(HEADER), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice().map((row) => line(cells(row)))].join('\n');
}

export function renderMarkdown(rows: Row[], machine: MachineInfo, options: BenchOptions): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const table = [
    `| ${HEADER.join(' | ')} |`,
    '|---|--:|--:|--:|---|',
    ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
  ];
  return [
    `Measured ${machine.date} by \`npm run bench\` (${options.tasks.toLocaleString('en-US')} noop tasks, concurrency ${options.concurrency}, ${options.inFlight} enqueues in flight, latency at ${options.rate}/s for ${options.duration / 1000} s, ${options.rounds === 1 ? '1 round' : `median of ${options.rounds} rounds`}).`,
    '',
    ...table,
    '',
    `Machine: ${machine.cpus}, ${machine.memory}, ${machine.os}; Node ${machine.node}; Redis ${machine.redis} (${options.redisUrl ? 'REDIS_URL' : 'private redis-server, no persistence'}); nestjs-tasks ${machine.nestjsTasks}${machine.revision ? ` (${machine.revision})` : ''}; BullMQ ${machine.bullmq}; load average ${machine.load}.`,
  ].join('\n');
}
