import type { INestApplicationContext } from '@nestjs/common';
import { TASK_BROKER, TaskClient, TaskWorker, type Broker, type TaskModuleOptions } from '../../lib/internal';
import { createApp } from '../support/apps';
import { waitFor } from '../support/wait';
import { FlowTasks } from './flow.tasks';

/** A producer and its workers, each its own Nest application context (as separate processes would be). */
export interface Cluster {
  client: TaskClient;
  apps: INestApplicationContext[];
  /** Runs of `method` summed over every app. */
  calls(method: string): number;
  /** Every `total` argument list, over every app. */
  totals(): number[][];
  /**
   * Resolves once queue 'default' holds nothing: every message sent so far has run and been
   * acknowledged, and a worker acknowledges a message only after its workflow steps (the
   * next step, a chord's callback, links) have been sent, so those are in the queue by then.
   */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/** How tasks run: separate worker apps (Redis), a worker in the producer app (memory://), or inline (eager). */
export type Topology = { workers: number } | 'same-app' | 'eager';

/** The producer app first, then one app per worker. */
export async function startCluster(options: TaskModuleOptions, topology: Topology, concurrency = 8): Promise<Cluster> {
  const apps: INestApplicationContext[] = [];
  const workers = typeof topology === 'object' ? topology.workers : 0;
  try {
    const producer = await createApp(options, [FlowTasks]);
    apps.push(producer);
    if (topology === 'same-app') await producer.get(TaskWorker).start({ concurrency });
    for (let i = 0; i < workers; i++) {
      const app = await createApp(options, [FlowTasks]);
      apps.push(app);
      await app.get(TaskWorker).start({ concurrency });
    }
  } catch (error) {
    await Promise.all(apps.map((app) => app.close()));
    throw error;
  }
  const instances = () => apps.map((app) => app.get(FlowTasks));
  return {
    client: apps[0].get(TaskClient),
    apps,
    calls: (method) => instances().reduce((sum, tasks) => sum + (tasks.calls.get(method) ?? 0), 0),
    totals: () => instances().flatMap((tasks) => tasks.totals),
    settled: async () => {
      const broker = apps[0].get<Broker>(TASK_BROKER);
      await waitFor(async () => {
        const { ready, delayed, active } = await broker.queueSizes('default');
        return ready + delayed + active === 0;
      }, 'queue default to drain', 30_000);
    },
    close: async () => {
      for (const app of apps.slice(1)) await app.close();
      await apps[0].close();
    },
  };
}

