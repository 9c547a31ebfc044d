import { Argument, Command } from 'commander';
import { TaskControl, type ControlAnswer } from '../../monitoring/control/task-control';
import { addBrokerOptions, type BrokerOptions } from '../broker-options';
import { createOpsApp } from '../ops-app';
import { createOutput, type Output } from '../output';
import { ProgressBar } from '../progress-bar';
import { CommandFailure, EXIT_NO_REPLY } from '../run-command';
import { parseCount } from './worker.command';

interface ControlOptions extends BrokerOptions {
  json?: boolean;
  timeout: number;
  destination?: string[];
}

export function controlCommand(output: Output = createOutput()): Command {
  return addBrokerOptions(
    new Command('control')
      .description('tell the running workers what to do (like `celery control`)')
      .addArgument(new Argument('<command>', 'what to do').choices(['shutdown', 'rate-limit']))
      .argument('[args...]', "rate-limit: <task> <rate|'none'>")
      .option('--json', 'print JSON')
      .option('-t, --timeout <ms>', 'how long to wait for replies', parseCount, 2000)
      .option('-d, --destination <worker...>', 'only these workers (ids)'),
  ).action(async (command: 'shutdown' | 'rate-limit', args: string[], options: ControlOptions) => {
    if (command === 'rate-limit' && args.length !== 2) throw new CommandFailure("Usage: nest-tasks control rate-limit <task> <rate|'none'>, e.g. EmailTasks.send 10/m");
    const app = await createOpsApp(options);
    const bar = new ProgressBar('waiting for replies');
    try {
      const control = app.get(TaskControl);
      const call = {
        timeout: options.timeout,
        destination: options.destination,
        onProgress: (replied: number, expected: number) => bar.update(replied, Math.max(expected, 1), `${replied}/${expected} worker(s)`),
      };
      const answers: Record<string, ControlAnswer> =
        command === 'shutdown' ? await control.shutdown(call) : await control.setRateLimit(args[0], args[1] === 'none' ? null : args[1], call);
      bar.done();
      const workers = Object.keys(answers).sort();
      if (options.json) output.json(answers);
      else for (const worker of workers) output.line(`-> ${worker}: ${answersText(answers[worker], command)}`);
      if (workers.length === 0) throw new CommandFailure(`No worker replied within ${options.timeout} ms`, EXIT_NO_REPLY);
    } finally {
      bar.done();
      await app.close();
    }
  });
}

function answersText(answer: ControlAnswer, command: string): string {
  if (!answer.ok) return `error: ${answer.error}`;
  return command === 'shutdown' ? 'shutting down' : 'rate limit set';
}
