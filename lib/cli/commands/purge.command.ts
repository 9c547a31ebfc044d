import { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { TaskAdmin } from '../../monitoring/admin/task-admin';
import { addBrokerOptions, type BrokerOptions } from '../broker-options';
import { createOpsApp } from '../ops-app';
import { createOutput, type Output } from '../output';
import { ProgressBar } from '../progress-bar';
import { CommandFailure } from '../run-command';

interface PurgeOptions extends BrokerOptions {
  queues: string;
  force?: boolean;
}

export function purgeCommand(output: Output = createOutput()): Command {
  return addBrokerOptions(
    new Command('purge')
      .description('remove every waiting message (ready and delayed) of queues; running tasks finish')
      .requiredOption('-Q, --queues <list>', 'queues to purge, comma-separated')
      .option('-f, --force', 'do not ask'),
  ).action(async (options: PurgeOptions) => {
    const queues = options.queues.split(',').map((q) => q.trim()).filter(Boolean);
    if (queues.length === 0) throw new CommandFailure('Name at least one queue: -Q emails');
    const app = await createOpsApp(options);
    try {
      const admin = app.get(TaskAdmin);
      const known = await admin.queues();
      const waiting = queues.reduce((n, q) => {
        const info = known.find((k) => k.name === q);
        return n + (info ? info.ready + info.delayed : 0);
      }, 0);
      if (!options.force) await confirm(`Purge ${waiting} waiting message(s) from ${queues.join(', ')}?`);
      for (const queue of queues) {
        const bar = new ProgressBar(`purging ${queue}`);
        const removed = await admin.purge(queue, (done, remaining) => bar.update(done, done + remaining, `${done} removed`));
        bar.done();
        output.line(`Purged ${removed} message(s) from '${queue}'.`);
      }
    } finally {
      await app.close();
    }
  });
}

async function confirm(question: string): Promise<void> {
  if (!process.stdin.isTTY) throw new CommandFailure('Refusing to purge without --force: stdin is not a terminal to ask on');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CommandFailure('Not purged.');
  } finally {
    rl.close();
  }
}
