import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TASK_CLOCK, TASK_CONFIG, TASK_SCHEDULE_STORE } from '../constants';
import { StaticScheduleError, UnknownScheduleError } from '../errors';
import type { TaskConfig } from '../config/task-config';
import { TaskRegistry } from '../registry/task-registry';
import { TaskHooks } from '../execution/task-hooks';
import { BeatLoop } from './beat-loop';
import type { TaskClock } from './clock';
import { PeriodicExplorer } from './periodic.explorer';
import { assertScheduleName, resolveSchedule, toStoredEntry } from '../config/schedules/resolve-schedule';
import { ScheduleCatalog } from './schedule-catalog';
import { BEAT_TASK_ID_PREFIX, type ScheduleDefinition, type ScheduleEntry, type ScheduleInfo } from '../config/schedules/schedule-definition';
import { timingOf } from '../config/schedules/schedule-timing';
import type { ScheduleStore } from '../broker/ports/schedule-store';
import { TaskTelemetry } from '../telemetry/task-telemetry';

/**
 * The periodic scheduler (beat). `start()` runs it in this process; any number of
 * instances may run, and one of them, the leader, sends each tick exactly once.
 * Schedules come from `@Periodic`, `forRoot({ beat: { schedule } })` and, at runtime,
 * `add()`; every instance sees the runtime ones (they live in the store).
 */
@Injectable()
export class TaskScheduler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('TaskScheduler');
  private declared?: ScheduleCatalog;
  private loop?: BeatLoop;
  private starting?: Promise<void>;
  private stopping?: Promise<void>;
  private startedByWorker = false;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_SCHEDULE_STORE) private readonly store: ScheduleStore,
    @Inject(TASK_CLOCK) private readonly clock: TaskClock,
    private readonly dispatcher: TaskDispatcher,
    private readonly explorer: PeriodicExplorer,
    private readonly registry: TaskRegistry,
    hooks: TaskHooks,
    private readonly telemetry: TaskTelemetry,
  ) {
    // A worker started with `beat: true` runs the scheduler beside it.
    hooks.onWorker({
      started: async (worker) => {
        if (!worker.beat || this.isRunning) return;
        await this.start();
        this.startedByWorker = true;
      },
      stopping: async (worker) => {
        if (worker.beat && this.startedByWorker) await this.stop();
      },
    });
    // A worker starting a tick confirms it, so a tick whose leader was lost after sending it is not sent again.
    hooks.beforeRun((message) =>
      message.id.startsWith(BEAT_TASK_ID_PREFIX) ? this.store.confirm([message.id]).then(() => null, () => null) : null,
    );
  }

  /** Collects the schedules declared in code, so that a duplicate name fails the app's start-up. */
  onModuleInit(): void {
    this.catalog();
  }

  /** Schedules declared in code: `forRoot({ beat: { schedule } })` and `@Periodic` methods. */
  private catalog(): ScheduleCatalog {
    this.declared ??= new ScheduleCatalog([...this.config.beat.schedule, ...this.explorer.explore()], this.logger);
    return this.declared;
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** True between `start()` and `stop()`. */
  get isRunning(): boolean {
    return this.loop !== undefined;
  }

  /** True while this instance holds the leader lease (and so sends the ticks). */
  get isLeader(): boolean {
    return this.loop?.election.isLeader ?? false;
  }

  /**
   * Runs the scheduler in this process until `stop()` or shutdown. Resolves once it has
   * tried for the leader lease (see `isLeader`). Calling it again while running does nothing.
   */
  start(): Promise<void> {
    if (this.loop) return this.starting ?? Promise.resolve();
    const loop = new BeatLoop({
      store: this.store,
      catalog: this.catalog(),
      clock: this.clock,
      options: this.config.beat,
      logger: this.logger,
      send: async (fire) => {
        // Each tick starts its own trace.
        await this.telemetry.tick(fire.schedule, fire.task, () =>
          this.dispatcher.send(this.dispatcher.resolveName(fire.task), fire.args, { taskId: fire.id, ...(fire.queue !== undefined ? { queue: fire.queue } : {}) }),
        );
      },
    });
    this.loop = loop;
    this.startedByWorker = false;
    for (const schedule of this.catalog().declaredSchedules) this.warnIfUnknownTask(schedule);
    this.starting = loop.start().finally(() => (this.starting = undefined));
    this.logger.log(
      `Scheduler ${loop.election.token} started (${this.store.description}); schedules in code: ${this.catalog().declaredSchedules.map((s) => s.name).join(', ') || 'none'}`,
    );
    return this.starting;
  }

  /** Stops sending ticks and gives up leadership, so another instance takes over at once. */
  stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return this.stopping ?? Promise.resolve();
    this.stopping = (async () => {
      await this.starting?.catch(() => undefined);
      await loop.stop();
      this.logger.log(`Scheduler ${loop.election.token} stopped`);
    })().finally(() => {
      this.loop = undefined;
      this.stopping = undefined;
      this.startedByWorker = false;
    });
    return this.stopping;
  }

  /**
   * Adds a runtime schedule, or replaces the runtime schedule of that name (its last
   * run is kept; a new timing starts at its next tick). Every instance sees it; the
   * leader picks it up within `checkInterval`.
   */
  async add(entry: ScheduleEntry): Promise<void> {
    const definition = resolveSchedule(entry, 'dynamic', 'TaskScheduler.add');
    this.refuseDeclared(definition.name, 'replaced');
    this.warnIfUnknownTask(definition);
    await this.store.save(definition.name, JSON.stringify(toStoredEntry(definition)));
    this.loop?.refresh();
  }

  /** Removes a runtime schedule with its state; false when there was none. */
  async remove(name: string): Promise<boolean> {
    assertScheduleName(name, 'name');
    this.refuseDeclared(name, 'removed');
    const removed = await this.store.remove(name);
    this.loop?.refresh();
    return removed;
  }

  /** Sends the schedule's ticks again (any schedule, declared in code or at runtime). */
  async enable(name: string): Promise<void> {
    await this.setEnabled(name, true);
  }

  /** Stops sending the schedule's ticks until `enable()`; ticks that pass meanwhile are not caught up. */
  async disable(name: string): Promise<void> {
    await this.setEnabled(name, false);
  }

  /** Every schedule, with its last and next run, sorted by name. */
  async list(): Promise<ScheduleInfo[]> {
    const [stored, states] = await Promise.all([this.store.definitions(), this.store.states()]);
    const now = this.clock.now();
    return this.catalog().merge(stored).map((schedule) => {
      const state = states.get(schedule.name)?.value ?? null;
      const timing = timingOf(schedule);
      const current = state !== null && state.spec === timing.spec;
      const { declaredAt: _declaredAt, ...info } = schedule;
      return {
        ...info,
        lastRunAt: state?.last ?? null,
        nextRunAt: !schedule.enabled ? null : current ? state.next : timing.nextAfter(now),
      };
    });
  }

  private async setEnabled(name: string, enabled: boolean): Promise<void> {
    assertScheduleName(name, 'name');
    if (!this.catalog().declaredIn(name) && !(await this.store.definitions()).entries.has(name)) {
      throw new UnknownScheduleError(name);
    }
    await this.store.setEnabled(name, enabled);
    this.loop?.refresh();
  }

  private refuseDeclared(name: string, action: string): void {
    const declared = this.catalog().declaredIn(name);
    if (declared) throw new StaticScheduleError(name, declared.declaredAt, action);
  }

  private warnIfUnknownTask(schedule: ScheduleDefinition): void {
    if (this.registry.has(schedule.task)) return;
    this.logger.warn(
      `Schedule '${schedule.name}' sends task '${schedule.task}', which no provider of this process registers: it is sent by name, so a worker must know it`,
    );
  }
}
