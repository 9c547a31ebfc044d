import { epochMinute } from '../../broker/ports/minute-stats';
import { SERIES, STATS_TTL_MS } from '../stats/chart-series';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Broker } from '../../broker/ports/broker';
import { TASK_BROKER, TASK_CONFIG, TASK_MONITORING_STORE, TASK_MONITORING_CONFIG } from '../../constants';
import type { TaskEventType } from '../../serialization/task-event';
import { TaskEventBus } from '../../events/task-event-bus';
import type { TaskConfig } from '../../config/task-config';
import { TaskRegistry } from '../../registry/task-registry';
import { resultTtl } from '../../execution/outcome-records';
import { TaskHooks, type WorkerInfo } from '../../execution/task-hooks';
import { TaskWorker } from '../../worker/task-worker';
import { ControlResponder } from './control-responder';
import type { MonitoringStore } from '../../broker/ports/monitoring-store';
import type { MonitoringConfig } from '../../config/monitoring-options';
import { describeWorker } from './describe-worker';
import type { WorkerState } from '../../broker/ports/worker-state';

const MAX_RUNNING_REPORTED = 50;
const WARN_EVERY_MS = 30_000;

/** A running worker's heartbeat timer and remote-control responder. */
interface Attachment {
  info: WorkerInfo;
  startedAt: number;
  timer: NodeJS.Timeout;
  responder: ControlResponder;
}

/**
 * Makes every worker of this process visible and controllable: heartbeats (the
 * worker directory, and worker-online / heartbeat / offline events), remote
 * control (ping, active, stats, shutdown, ...), and keeps failed tasks' messages
 * so that an operator can retry them.
 */
@Injectable()
export class WorkerMonitor {
  private readonly logger = new Logger('WorkerMonitor');
  private readonly attached = new Map<string, Attachment>();
  private shutdownHandler?: () => Promise<void> | void;
  private lastWarning = 0;

  constructor(
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_MONITORING_CONFIG) private readonly monitoring: MonitoringConfig,
    @Inject(TASK_MONITORING_STORE) private readonly backend: MonitoringStore,
    @Inject(TASK_BROKER) private readonly broker: Broker,
    private readonly hooks: TaskHooks,
    private readonly worker: TaskWorker,
    private readonly registry: TaskRegistry,
    private readonly bus: TaskEventBus,
  ) {
    this.registerHooks();
  }

  /** Registered at construction: a worker may start before the app's init (NestFactory.create, then listen()). */
  private registerHooks(): void {
    this.hooks.onWorker({
      started: (info) => this.attach(info),
      stopping: (info) => this.detach(info),
    });
    this.hooks.onOutcome((message, outcome) => {
      if (outcome.kind !== 'failure' && outcome.kind !== 'revoked') return;
      // Fire and forget: an outcome hook that throws would hold the acknowledgement back.
      this.backend.admin.keepMessage(message, resultTtl(message, this.config.resultExpires)).catch((error: Error) => this.warn('keep a failed message', error));
    });
  }

  /**
   * What a remote `shutdown` does. Default: stop the worker (the process lives on);
   * `nest-tasks worker` closes the application and exits.
   */
  setShutdownHandler(handler: () => Promise<void> | void): void {
    this.shutdownHandler = handler;
  }

  private async attach(info: WorkerInfo): Promise<void> {
    const responder = new ControlResponder(this.worker, this.registry, this.broker, this.backend.replies, () =>
      this.shutdownHandler ? this.shutdownHandler() : this.worker.stop(),
    );
    const timer = setInterval(() => void this.beat(info.id, 'worker-heartbeat'), this.monitoring.heartbeatInterval);
    timer.unref();
    this.attached.set(info.id, { info, startedAt: Date.now(), timer, responder });
    try {
      await responder.start();
    } catch (error) {
      this.warn('listen for remote control', error as Error);
    }
    await this.beat(info.id, 'worker-online');
  }

  private async detach(info: WorkerInfo): Promise<void> {
    const attachment = this.attached.get(info.id);
    if (!attachment) return;
    clearInterval(attachment.timer);
    attachment.responder.stop();
    await this.beat(info.id, 'worker-offline');
    this.attached.delete(info.id);
  }

  private async beat(id: string, type: TaskEventType): Promise<void> {
    const attachment = this.attached.get(id);
    if (!attachment) return;
    const state = this.state(attachment, type === 'worker-offline' ? 'offline' : 'online');
    this.bus.emit({ type, at: state.lastHeartbeat, worker: id });
    try {
      await this.backend.workers.save(state);
    } catch (error) {
      this.warn('write a heartbeat', error as Error);
    }
    if (this.monitoring.events && type !== 'worker-offline') await this.recordDepth(attachment.info.queues);
  }

  /** The chart of queue depth: how many messages are ready in this worker's queues (the minute keeps its highest). */
  private async recordDepth(queues: readonly string[]): Promise<void> {
    try {
      const counts = await Promise.all(queues.map((queue) => this.backend.admin.counts(queue)));
      const depth = Object.fromEntries(queues.map((queue, i) => [queue, counts[i].ready]));
      await this.backend.stats.record([{ series: SERIES.depth, minute: epochMinute(Date.now()), max: depth }], STATS_TTL_MS);
    } catch (error) {
      this.warn('record queue depth', error as Error);
    }
  }

  private state(attachment: Attachment, state: WorkerState['state']): WorkerState {
    const described = describeWorker(this.worker, attachment.info);
    const running = this.worker
      .snapshot()
      .running.slice(0, MAX_RUNNING_REPORTED)
      .map(({ id, task, queue, startedAt, retries }) => ({ id, task, queue, startedAt, retries }));
    return {
      ...described,
      startedAt: described.startedAt || attachment.startedAt,
      lastHeartbeat: Date.now(),
      heartbeatInterval: this.monitoring.heartbeatInterval,
      state,
      running: state === 'offline' ? [] : running,
    };
  }


  private warn(what: string, error: Error): void {
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(`Could not ${what}: ${error.message}`);
  }
}
