import { Command, CommanderError } from 'commander';
import { NestTasksError } from '../errors';
import { beatCommand } from './commands/beat.command';
import { controlCommand } from './commands/control.command';
import { dashboardCommand } from './commands/dashboard.command';
import { inspectCommand } from './commands/inspect.command';
import { purgeCommand } from './commands/purge.command';
import { revokeCommand } from './commands/revoke.command';
import { workerCommand } from './commands/worker.command';
import { CommandFailure, EXIT_FAILED } from './run-command';

/** The `nest-tasks` command line. */
export function createProgram(): Command {
  const program = new Command('nest-tasks')
    .description('Celery-style background tasks for NestJS: run workers and beat, inspect and control them, watch the dashboard')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(workerCommand())
    .addCommand(beatCommand())
    .addCommand(inspectCommand())
    .addCommand(controlCommand())
    .addCommand(purgeCommand())
    .addCommand(revokeCommand())
    .addCommand(dashboardCommand());
  program.exitOverride();
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI; resolves with the exit code (commands that keep running resolve once started). */
export async function runCli(argv: string[]): Promise<number> {
  try {
    await createProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const code = error instanceof CommandFailure ? error.exitCode : EXIT_FAILED;
    process.stderr.write(`nest-tasks: ${describe(error)}\n`);
    return code;
  }
}

function describe(error: unknown): string {
  if (error instanceof CommandFailure || error instanceof NestTasksError) return error.message;
  if (error instanceof Error) return process.env.NEST_TASKS_DEBUG ? (error.stack ?? error.message) : error.message;
  return String(error);
}

function readVersion(): string {
  for (const path of ['../../package.json', '../../../package.json']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json sits at a different depth in dist and in lib
      return (require(path) as { version: string }).version;
    } catch {
      // the other layout (sources or dist)
    }
  }
  return '0.0.0';
}
