import { Option } from 'commander';
import type { LogLevel } from '@nestjs/common';

const LEVELS: Record<string, LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  info: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  verbose: ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'],
};

export const logLevelOption = () => new Option('-l, --loglevel <level>', 'log level').choices(Object.keys(LEVELS)).default('info');

export function logLevels(level: string): LogLevel[] {
  return LEVELS[level] ?? LEVELS.info;
}
