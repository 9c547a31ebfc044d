import { Command } from 'commander';
import { TaskClient } from '../../client/task-client';
import { addBrokerOptions, type BrokerOptions } from '../broker-options';
import { createOpsApp } from '../ops-app';
import { createOutput, type Output } from '../output';

export function revokeCommand(output: Output = createOutput()): Command {
  return addBrokerOptions(
    new Command('revoke')
      .description('revoke tasks by id: not started ones never run; --terminate stops running ones')
      .argument('<ids...>', 'task ids')
      .option('--terminate', 'also stop the task if it is running'),
  ).action(async (ids: string[], options: BrokerOptions & { terminate?: boolean }) => {
    const app = await createOpsApp(options);
    try {
      await app.get(TaskClient).revoke(ids, { terminate: options.terminate === true });
      for (const id of ids) output.line(`Revoked ${id}${options.terminate ? ' (terminate)' : ''}.`);
    } finally {
      await app.close();
    }
  });
}
