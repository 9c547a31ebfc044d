import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import type { Broker } from '../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG, TASK_DASHBOARD_OPTIONS } from '../constants';
import { TaskConfigError } from '../errors';
import type { TaskConfig } from '../config/task-config';
import { TaskAdmin } from '../monitoring/admin/task-admin';
import type { TaskFilter } from '../monitoring/admin/task-views';
import { TaskControl } from '../monitoring/control/task-control';
import { TaskStats } from '../monitoring/stats/task-stats';
import { TaskState } from '../serialization/task-state';
import { TaskScheduler } from '../scheduler/task-scheduler';
import { readOnlyReason, type ResolvedDashboardOptions } from './dashboard-options';
import { deadLettersPage } from './views/dead-letters.page';
import type { SafeHtml } from './views/html';
import { layout } from './views/layout';
import { overviewPage } from './views/overview.page';
import type { PageContext, Section } from './views/page-context';
import { periodicPage } from './views/periodic.page';
import { queuesPage } from './views/queues.page';
import { notFoundPage, taskPage } from './views/task.page';
import { tasksPage } from './views/tasks.page';
import { workersPage } from './views/workers.page';

/** The charts show the last hour, by minute. */
const CHART_MINUTES = 60;
/** Concurrency keys per queue on the queues page. */
const TOP_KEYS = 10;

/** From the start of the first minute charted to now. */
function chartWindow(): { from: number; to: number } {
  const to = Date.now();
  return { from: (Math.floor(to / 60_000) - CHART_MINUTES + 1) * 60_000, to };
}

/** What a page request carries besides its own parameters. */
export interface PageRequest {
  /** Only the content, for a live refresh. */
  partial: boolean;
  flash?: string;
  error?: string;
}

/** Gathers each page's data and renders it. */
@Injectable()
export class DashboardService implements OnModuleInit {
  constructor(
    @Inject(TASK_DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly admin: TaskAdmin,
    private readonly control: TaskControl,
    private readonly appConfig: ApplicationConfig,
    private readonly stats: TaskStats,
    @Optional() private readonly scheduler?: TaskScheduler,
  ) {}

  get readOnly(): boolean {
    return this.options.readOnly;
  }

  /** Why actions are refused (the 403's message). */
  get readOnlyReason(): string {
    return readOnlyReason(this.options.access) ?? 'The dashboard is read-only';
  }

  /** Says at start-up when the defaults, not a guard, decide who may act. */
  onModuleInit(): void {
    const logger = new Logger('TaskDashboardModule');
    const where = this.base || '/';
    if (this.options.access === 'no-guard') {
      logger.warn(`The dashboard at ${where} has no guard, so it is read-only: every action answers 403. Give it a guard (TaskDashboardModule.register({ guard })), or set public: true to let anyone who reaches it act`);
    } else if (this.options.access === 'public') {
      logger.warn(`The dashboard at ${where} is public (public: true) and has no guard: anyone who reaches it can purge, revoke, retry and shut workers down`);
    }
  }

  /** Where the dashboard is mounted, global prefix included, without a trailing slash. */
  get base(): string {
    const parts = [this.appConfig.getGlobalPrefix(), this.options.path].flatMap((p) => (p ?? '').split('/')).filter(Boolean);
    return parts.length === 0 ? '' : `/${parts.join('/')}`;
  }

  async overview(request: PageRequest): Promise<string> {
    const [workers, queues, tasks, recent, throughput, depth] = await Promise.all([
      this.admin.workers(),
      this.admin.queues(),
      this.admin.tasks({ limit: 15 }),
      this.admin.recentEvents(300),
      this.stats.throughput(CHART_MINUTES),
      this.stats.queueDepth(CHART_MINUTES),
    ]);
    // Heartbeats would drown everything else in the feed; the workers table shows them.
    const events = recent
      .filter((event) => event.type !== 'worker-heartbeat')
      .slice(0, 30)
      .sort((a, b) => b.at - a.at);
    const window = chartWindow();
    return this.render(request, 'overview', 'Overview', (ctx) => overviewPage(ctx, { workers, queues, tasks, events, window, throughput, depth }));
  }

  async workers(request: PageRequest): Promise<string> {
    const workers = await this.admin.workers();
    return this.render(request, 'workers', 'Workers', (ctx) => workersPage(ctx, workers));
  }

  async queues(request: PageRequest): Promise<string> {
    const queues = await this.admin.queues();
    const keys = await Promise.all(
      queues.filter((q) => q.keyWaiting).map(async (q) => ({ queue: q.name, keys: await this.admin.concurrencyKeys(q.name, { limit: TOP_KEYS }) })),
    );
    return this.render(request, 'queues', 'Queues', (ctx) => queuesPage(ctx, queues, keys));
  }

  async tasks(request: PageRequest, query: Record<string, string | undefined>): Promise<string> {
    const filter: TaskFilter = { limit: 100 };
    if (query.id?.trim()) filter.id = query.id.trim();
    if (query.name?.trim()) filter.name = query.name.trim();
    if (query.state && (Object.values(TaskState) as string[]).includes(query.state)) filter.state = query.state as TaskState;
    const tasks = await this.admin.tasks(filter);
    return this.render(request, 'tasks', 'Tasks', (ctx) => tasksPage(ctx, filter, tasks));
  }

  /** `found: false` when nothing is known about the task (the page says so). */
  async task(request: PageRequest, id: string): Promise<{ found: boolean; markup: string }> {
    const task = await this.admin.task(id);
    if (!task) return { found: false, markup: this.render(request, 'tasks', 'Unknown task', (ctx) => notFoundPage(ctx, id)) };
    const runtimes = task.task ? { window: chartWindow(), stats: await this.stats.runtimes(task.task, CHART_MINUTES) } : undefined;
    return { found: true, markup: this.render(request, 'tasks', `Task ${id}`, (ctx) => taskPage(ctx, task, runtimes)) };
  }

  async periodic(request: PageRequest): Promise<string> {
    let schedules = null;
    let problem: string | undefined;
    if (!this.scheduler) problem = 'No TaskScheduler in this application.';
    else {
      try {
        schedules = await this.scheduler.list();
      } catch (error) {
        problem = `Could not list the schedules: ${(error as Error).message}`;
      }
    }
    return this.render(request, 'periodic', 'Periodic tasks', (ctx) => periodicPage(ctx, schedules, problem));
  }

  async deadLetters(request: PageRequest, queue: string | undefined): Promise<string> {
    const queues = (await this.admin.queues()).sort((a, b) => b.dead - a.dead || a.name.localeCompare(b.name));
    const chosen = queue || queues.find((q) => q.dead > 0)?.name;
    const letters = chosen ? await this.admin.deadLetters(chosen, { limit: 200 }) : [];
    return this.render(request, 'dead-letters', 'Dead letters', (ctx) => deadLettersPage(ctx, queues, chosen, letters));
  }

  async overviewJson(): Promise<unknown> {
    const [workers, queues, tasks, events] = await Promise.all([this.admin.workers(), this.admin.queues(), this.admin.tasks({ limit: 50 }), this.admin.recentEvents(50)]);
    return { workers, queues, tasks, events };
  }

  // ---- actions ---------------------------------------------------------------------------

  revoke(id: string, terminate: boolean): Promise<void> {
    return this.admin.revoke(id, { terminate });
  }

  retry(id: string): Promise<string> {
    return this.admin.retry(id);
  }

  purge(queue: string): Promise<number> {
    return this.admin.purge(queue);
  }

  requeue(queue: string, id: string): Promise<void> {
    return this.admin.requeueDeadLetter(queue, id);
  }

  deleteDeadLetter(queue: string, id: string): Promise<void> {
    return this.admin.deleteDeadLetter(queue, id);
  }

  async setScheduleEnabled(name: string, enabled: boolean): Promise<void> {
    if (!this.scheduler) throw new TaskConfigError('scheduler', undefined, 'a TaskScheduler in this application');
    if (enabled) await this.scheduler.enable(name);
    else await this.scheduler.disable(name);
  }

  async shutdownWorker(id: string): Promise<boolean> {
    const answers = await this.control.shutdown({ destination: id });
    return answers[id]?.ok === true;
  }

  private render(request: PageRequest, section: Section, title: string, content: (ctx: PageContext) => SafeHtml): string {
    const ctx: PageContext = {
      base: this.base,
      readOnly: this.options.readOnly,
      readOnlyReason: readOnlyReason(this.options.access),
      flash: request.flash,
      error: request.error,
      broker: this.broker.description,
      prefix: this.config.prefix,
      events: true,
    };
    const body = content(ctx);
    return request.partial ? body.value : layout(ctx, section, title, body).value;
  }
}
