import type { Logger } from '@nestjs/common';
import { NestTasksError } from '../errors';
import type { ResolvedBeatOptions } from '../config/beat-options';
import type { TaskClock } from './clock';
import { LeaderElection } from './leader-election';
import type { ScheduleCatalog } from './schedule-catalog';
import { tickTaskId, type PendingFire, type ScheduleDefinition } from '../config/schedules/schedule-definition';
import { timingOf, type Timing } from '../config/schedules/schedule-timing';
import type { ScheduleStore, StoredState } from '../broker/ports/schedule-store';
import { planTicks } from './tick-planner';

/** Most ticks of one schedule sent in one step; a longer catch-up continues at once in the next. */
const MAX_FIRES_PER_STEP = 100;

export interface BeatLoopDeps {
  store: ScheduleStore;
  catalog: ScheduleCatalog;
  clock: TaskClock;
  options: ResolvedBeatOptions;
  logger: Logger;
  /** Enqueues one tick (with its deterministic task id). */
  send(fire: PendingFire): Promise<void>;
}

/**
 * The running scheduler of one instance. Each step: take or renew the leader lease;
 * as leader, reload runtime schedules when they changed, send ticks a lost leader
 * claimed but did not confirm, then claim and send each schedule's due ticks. It sleeps
 * until the next tick is due, and never longer than `checkInterval`.
 */
export class BeatLoop {
  readonly election: LeaderElection;
  private stopping = false;
  private running?: Promise<void>;
  private sleeping?: () => void;
  private woken = false;
  private loadedVersion: number | null = null;
  private schedules: ScheduleDefinition[] = [];
  private readonly timings = new Map<string, { spec: string; timing: Timing }>();
  private nextDue = Number.POSITIVE_INFINITY;
  private failing = false;

  constructor(private readonly deps: BeatLoopDeps) {
    this.election = new LeaderElection(deps.store, deps.options.leaderLease, deps.logger);
  }

  /** Runs a first step (so leadership is known when this resolves), then keeps going. */
  async start(): Promise<void> {
    await this.step();
    this.running = this.run();
  }

  /** Ends the loop after the step in progress and gives up the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake();
    await this.running;
    await this.election.resign().catch((error: Error) => this.deps.logger.warn(`Could not give up the leader lease: ${error.message}`));
  }

  /** Runtime schedules changed here: reload them and look again now. */
  refresh(): void {
    this.loadedVersion = null;
    this.wake();
  }

  private wake(): void {
    if (this.sleeping) this.sleeping();
    else this.woken = true;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await this.sleep(this.waitTime());
      if (!this.stopping) await this.step();
    }
  }

  private async step(): Promise<void> {
    try {
      await this.cycle();
      if (this.failing) this.deps.logger.log('Scheduler reaches its store again');
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.deps.logger.warn(`Scheduler step failed, retrying every ${this.deps.options.checkInterval} ms: ${(error as Error).message}`);
      this.failing = true;
      this.nextDue = Number.POSITIVE_INFINITY;
    }
  }

  private async cycle(): Promise<void> {
    const { store, catalog, clock } = this.deps;
    this.nextDue = Number.POSITIVE_INFINITY;
    if (!(await this.election.ensure())) return;
    const [version, states] = await Promise.all([store.version(), store.states()]);
    if (version !== this.loadedVersion) {
      this.schedules = catalog.merge(await store.definitions());
      this.loadedVersion = version;
    }
    await this.recover();
    const now = clock.now();
    const due = await Promise.all(this.schedules.map((schedule) => this.advance(schedule, states.get(schedule.name), now)));
    this.nextDue = Math.min(Number.POSITIVE_INFINITY, ...due);
  }

  /** Claims and sends what one schedule has due; returns when it is next due. */
  private async advance(schedule: ScheduleDefinition, stored: StoredState | undefined, now: number): Promise<number> {
    const plan = planTicks({
      timing: this.timingOf(schedule),
      state: stored?.value ?? undefined,
      now,
      enabled: schedule.enabled,
      catchUp: schedule.catchUp,
      misfireGrace: this.deps.options.misfireGrace,
      maxFires: MAX_FIRES_PER_STEP,
    });
    if (!plan) return stored!.value!.next;
    const fires = plan.fires.map<PendingFire>((tick) => ({
      id: tickTaskId(schedule.name, tick),
      schedule: schedule.name,
      task: schedule.task,
      args: [...schedule.args],
      ...(schedule.queue !== undefined ? { queue: schedule.queue } : {}),
      tick,
    }));
    const claimed = await this.deps.store.claim(this.election.token, schedule.name, stored?.raw ?? null, plan.state, fires);
    if (claimed !== 'claimed') return Number.POSITIVE_INFINITY; // looked at again in the next step
    await this.sendAll(fires);
    return plan.state.next;
  }

  /** Ticks claimed earlier (by a leader lost before it confirmed them, or a failed send) go out now. */
  private async recover(): Promise<void> {
    const pending = await this.deps.store.pending();
    if (pending.length === 0) return;
    this.deps.logger.log(`Sending ${pending.length} tick(s) claimed but not confirmed: ${pending.map((fire) => fire.id).join(', ')}`);
    await this.sendAll(pending);
  }

  /**
   * Sends ticks and confirms them. A repeated task id is a no-op while the first is
   * queued, and a worker confirms a tick when it starts it, so a tick sent twice runs once.
   * A send refused for good (bad arguments, payload too large) is dropped; any other
   * failure leaves the tick pending for the next step.
   */
  private async sendAll(fires: PendingFire[]): Promise<void> {
    // A leader that stalled past its lease leaves the ticks pending: its successor sends them.
    if (fires.length === 0 || !this.election.isLeader) return;
    const { send, store, logger } = this.deps;
    const settled: string[] = [];
    await Promise.all(
      fires.map((fire) =>
        send(fire).then(
          () => {
            settled.push(fire.id);
            logger.log(`Sent ${fire.task} for schedule '${fire.schedule}' (tick ${new Date(fire.tick).toISOString()}, id ${fire.id})`);
          },
          (error: Error) => {
            if (error instanceof NestTasksError) {
              settled.push(fire.id);
              logger.error(`Schedule '${fire.schedule}' could not send ${fire.task}, tick dropped: ${error.message}`);
            } else {
              logger.warn(`Schedule '${fire.schedule}' could not send ${fire.task} yet, will retry: ${error.message}`);
            }
          },
        ),
      ),
    );
    await store.confirm(settled);
  }

  private timingOf(schedule: ScheduleDefinition): Timing {
    const spec = `${schedule.cron ?? ''}|${schedule.tz ?? ''}|${schedule.every ?? ''}`;
    let cached = this.timings.get(schedule.name);
    if (!cached || cached.spec !== spec) {
      cached = { spec, timing: timingOf(schedule) };
      this.timings.set(schedule.name, cached);
    }
    return cached.timing;
  }

  private waitTime(): number {
    const { checkInterval } = this.deps.options;
    if (!this.election.isLeader) return checkInterval;
    return Math.max(0, Math.min(checkInterval, this.nextDue - this.deps.clock.now()));
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleeping = done;
    });
  }
}
