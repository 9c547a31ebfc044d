import { Argument, Command } from 'commander';
import { TaskAdmin } from '../../monitoring/admin/task-admin';
import type { RemoteCallOptions } from '../../monitoring/control/remote-caller';
import { TaskInspector, type HeldTask } from '../../monitoring/control/task-inspector';
import type { WorkerStats } from '../../monitoring/workers/control-responder';
import { addBrokerOptions, type BrokerOptions } from '../broker-options';
import { createOpsApp } from '../ops-app';
import { brief, createOutput, relative, type Output } from '../output';
import { ProgressBar } from '../progress-bar';
import { CommandFailure, EXIT_NO_REPLY } from '../run-command';
import { parseCount } from './worker.command';

const WHAT = ['ping', 'active', 'reserved', 'registered', 'stats', 'scheduled', 'queues', 'keys', 'workers'] as const;
type What = (typeof WHAT)[number];

interface InspectOptions extends BrokerOptions {
  json?: boolean;
  timeout: number;
  destination?: string[];
  limit: number;
  queue?: string;
}

export function inspectCommand(output: Output = createOutput()): Command {
  return addBrokerOptions(
    new Command('inspect')
      .description('ask the running workers (like `celery inspect`), or read the queues')
      .addArgument(new Argument('<what>', 'what to ask').choices(WHAT))
      .option('--json', 'print JSON')
      .option('-t, --timeout <ms>', 'how long to wait for replies', parseCount, 2000)
      .option('-d, --destination <worker...>', 'only these workers (ids)')
      .option('--limit <n>', 'scheduled: how many messages; keys: how many keys', parseCount, 100)
      .option('-q, --queue <queue>', 'keys: the queue (default: every queue with tasks waiting for a key)'),
  ).action(async (what: What, options: InspectOptions) => {
    const app = await createOpsApp(options);
    try {
      await inspect(app.get(TaskInspector), app.get(TaskAdmin), what, options, output);
    } finally {
      await app.close();
    }
  });
}

async function inspect(inspector: TaskInspector, admin: TaskAdmin, what: What, options: InspectOptions, out: Output): Promise<void> {
  switch (what) {
    case 'scheduled': {
      const messages = await admin.scheduled({ limit: options.limit });
      if (options.json) return out.json(messages);
      if (messages.length === 0) return out.line('No delayed messages.');
      return out.table(
        ['ETA', 'Queue', 'Task', 'Id', 'Args'],
        messages.map((m) => [`${new Date(m.eta).toISOString()} (${relative(m.eta)})`, m.queue, m.message?.task ?? '?', m.id, brief(m.message?.args ?? null, 40)]),
      );
    }
    case 'queues': {
      const queues = await admin.queues();
      if (options.json) return out.json(queues);
      if (queues.length === 0) return out.line('No queues yet.');
      return out.table(
        ['Queue', 'Ready', 'Delayed', 'Active', 'Dead', 'Key-waiting', 'Consumers', 'Done/min'],
        // A sharded queue, then each of its shards under it.
        queues.flatMap((q) => [
          [q.name, q.ready, q.delayed, q.active, q.dead, q.keyWaiting ?? 0, q.consumers.length, q.processedPerMinute],
          ...(q.shards ?? []).map((shard) => [`  ${shard.name}`, shard.ready, shard.delayed, shard.active, shard.dead, shard.keyWaiting ?? 0, '', '']),
        ]),
      );
    }
    case 'keys': {
      // Concurrency keys at their limit: tasks waiting for a slot, most first.
      const queues = options.queue ? [options.queue] : (await admin.queues()).filter((q) => q.keyWaiting).map((q) => q.name);
      const keys = (await Promise.all(queues.map(async (queue) => (await admin.concurrencyKeys(queue, { limit: options.limit })).map((k) => ({ queue, ...k }))))).flat();
      if (options.json) return out.json(keys);
      if (keys.length === 0) return out.line('No task waits for a concurrency key.');
      return out.table(
        ['Queue', 'Key', 'Waiting', 'Holding a slot'],
        keys.map((k) => [k.queue, k.key, k.waiting, k.admitted]),
      );
    }
    case 'workers': {
      const workers = await admin.workers();
      if (options.json) return out.json(workers);
      if (workers.length === 0) return out.line('No worker has sent a heartbeat.');
      return out.table(
        ['Worker', 'Status', 'Queues', 'Active', 'Processed', 'Heartbeat'],
        workers.map((w) => [w.id, w.status, w.queues.join(','), `${w.active}/${w.concurrency}`, w.processed, relative(w.lastHeartbeat)]),
      );
    }
  }
  const bar = new ProgressBar('waiting for replies');
  const call: RemoteCallOptions = {
    timeout: options.timeout,
    destination: options.destination,
    onProgress: (replied, expected) => bar.update(replied, Math.max(expected, 1), `${replied}/${expected} worker(s)`),
  };
  const ticker = setInterval(() => bar.update(0, 1, '…'), 200);
  let replies: Record<string, unknown>;
  try {
    replies = await inspector[what](call);
  } finally {
    clearInterval(ticker);
    bar.done();
  }
  const workers = Object.keys(replies).sort();
  if (workers.length === 0) throw new CommandFailure(`No worker replied within ${options.timeout} ms`, EXIT_NO_REPLY);
  if (options.json) return out.json(replies);
  for (const worker of workers) {
    const value = replies[worker];
    switch (what) {
      case 'ping':
        out.line(`-> ${worker}: pong`);
        break;
      case 'active':
      case 'reserved': {
        const tasks = value as HeldTask[];
        out.line(`-> ${worker}: ${tasks.length} task(s)${tasks.length === 0 ? ` ${what === 'active' ? 'running' : 'reserved'}` : ''}`);
        for (const t of tasks) out.line(`   * ${t.task}[${t.id}] ${brief(t.args, 50)}${t.startedAt ? ` started ${relative(t.startedAt)}` : ''}`);
        break;
      }
      case 'registered':
        out.line(`-> ${worker}:`);
        for (const name of value as string[]) out.line(`   * ${name}`);
        break;
      case 'stats': {
        const s = value as WorkerStats;
        out.line(`-> ${worker}:`);
        out.line(`   host ${s.hostname}, pid ${s.pid}, up ${Math.round(s.uptime / 1000)} s, ${s.pool ? `${s.pool} pool, ` : ''}concurrency ${s.concurrency}`);
        out.line(`   queues ${s.queues.join(', ')}`);
        out.line(`   processed ${s.processed} (succeeded ${s.succeeded}, failed ${s.failed}, retried ${s.retried}), active ${s.active}, reserved ${s.reserved}`);
        out.line(`   memory ${(s.rss / 1024 / 1024).toFixed(1)} MiB, load ${s.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
        break;
      }
    }
  }
  out.line(`${workers.length} worker(s) replied.`);
}
