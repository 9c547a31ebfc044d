import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Broker } from '../broker/ports/broker';
import type { BuiltMessage, WorkflowFields } from '../dispatch/message-builder';
import { TaskDispatcher } from '../dispatch/task-dispatcher';
import { TASK_BROKER, TASK_CONFIG } from '../constants';
import { ChordError, NestTasksError, type SerializedError } from '../errors';
import type { TaskConfig } from '../config/task-config';
import type { AsyncResult } from '../results/async-result';
import type { ResultRecord, ResultWrite } from '../serialization/result-record';
import { TaskState } from '../serialization/task-state';
import { serializeError } from '../serialization/error-serializer';
import type { TaskMessage } from '../serialization/task-message';
import type { ExecutionOutcome } from '../execution/execution-outcome';
import { entryErrbacks, neverRunTargets } from './never-run';
import { toSendOptions } from './signature-options';
import type { CanvasStore } from '../broker/ports/canvas-store';
import type { WorkflowRunner } from './workflow';
import type { ChordEntry, ChordRef, Continuation, TaskSpec, WorkflowFailure, WorkflowSpec } from '../serialization/workflow-spec';

/** The value a step receives from the step before it. */
interface Parent {
  value: unknown;
}

/** What handling one outcome sends and writes; committed together at the end. */
class Plan {
  readonly messages: BuiltMessage[] = [];
  /** Results of groups inside workflows (collected, no task runs). */
  readonly results: ResultWrite[] = [];
  /** Steps that will never run; written unless a ready result is there already. */
  readonly failures: ResultWrite[] = [];
  /** Chords whose callback (or failure) is part of this plan: marked fired once it is sent. */
  readonly fired: string[] = [];
  /**
   * Ids of the messages a chord's completion sends (its callback and what follows). Sent
   * again when the completing member is delivered again before the chord was marked
   * fired, they are left out once they have a result: they were sent, and have run.
   */
  readonly firedMessages = new Set<string>();
}

function continuation(chain: WorkflowSpec[] | undefined, chord: ChordRef | undefined): Continuation {
  const next: Continuation = {};
  if (chain && chain.length > 0) next.chain = chain;
  if (chord) next.chord = chord;
  return next;
}

/**
 * Runs workflows: sends their first steps, and after each step's final outcome
 * (from the worker's or eager runner's outcome hook, before the message is
 * acknowledged) sends what follows: links, the next chain step, a chord's
 * callback once its count completes, or the failure of everything downstream.
 * Every id was fixed when the workflow was built, so doing this twice (a
 * redelivered message) sends the same ids again.
 */
@Injectable()
export class WorkflowEngine implements WorkflowRunner {
  private readonly logger = new Logger('Workflows');
  private readonly store: CanvasStore;

  constructor(
    private readonly dispatcher: TaskDispatcher,
    @Inject(TASK_CONFIG) private readonly config: TaskConfig,
    @Inject(TASK_BROKER) broker: Broker,
  ) {
    this.store = broker.canvasStore();
  }

  async start(spec: WorkflowSpec): Promise<void> {
    const plan = new Plan();
    await this.plan(spec, undefined, {}, plan);
    await this.commit(plan);
  }

  result<R>(id: string): AsyncResult<R> {
    return this.dispatcher.result<R>(id);
  }

  /** The outcome hook: only final outcomes of messages that carry workflow fields do anything. */
  async onOutcome(message: TaskMessage, outcome: ExecutionOutcome): Promise<void> {
    if (!message.link && !message.linkError && !message.chain && !message.chord) return;
    if (outcome.kind === 'retry') return;
    const plan = new Plan();
    const next = continuation(message.chain, message.chord);
    if (outcome.kind === 'success') {
      for (const link of message.link ?? []) await this.plan(link, { value: outcome.value }, {}, plan);
      await this.advance(outcome.value, next, plan);
    } else {
      const error: SerializedError = outcome.kind === 'failure' ? outcome.error : { name: 'TaskRevokedError', message: outcome.reason };
      const failure: WorkflowFailure = { taskId: message.id, task: message.task, state: outcome.kind === 'failure' ? 'FAILURE' : 'REVOKED', error };
      await this.failed(failure, message.linkError ?? [], next, plan);
    }
    await this.commit(plan);
  }

  // ---- planning ----------------------------------------------------------------------------

  private async plan(spec: WorkflowSpec, parent: Parent | undefined, next: Continuation, plan: Plan): Promise<void> {
    switch (spec.kind) {
      case 'task':
        return this.planTask(spec, parent, next, plan);
      case 'chain': {
        const [first, ...rest] = spec.steps;
        return this.plan(first, parent, continuation([...rest, ...(next.chain ?? [])], next.chord), plan);
      }
      case 'group':
        // Built only at the top level or as a callback; anywhere else it is a chord that collects.
        if (next.chain || next.chord) throw new NestTasksError(`Workflow group ${spec.id} cannot be followed by a step`);
        for (const member of spec.members) await this.plan(member, parent, {}, plan);
        return;
      case 'chord': {
        if (spec.header.length === 0) return this.plan(spec.body, { value: [] }, next, plan);
        const size = spec.header.length;
        const then = next.chain || next.chord ? next : undefined;
        for (let index = 0; index < size; index++) {
          const ref: ChordRef = { id: spec.id, index, size, body: spec.body };
          if (then) ref.then = then;
          await this.plan(spec.header[index], parent, { chord: ref }, plan);
        }
        return;
      }
      case 'collect': {
        const value = parent?.value ?? [];
        const record: ResultRecord = { id: spec.id, state: TaskState.SUCCESS, task: 'group', result: value, finishedAt: Date.now() };
        plan.results.push({ record, ttl: this.config.resultExpires });
        return this.advance(value, next, plan);
      }
    }
  }

  private async planTask(spec: TaskSpec, parent: Parent | undefined, next: Continuation, plan: Plan): Promise<void> {
    const args = parent && !spec.immutable ? [parent.value, ...spec.args] : spec.args;
    const fields: WorkflowFields = {};
    if (spec.link) fields.link = spec.link;
    if (spec.linkError) fields.linkError = spec.linkError;
    if (next.chain) fields.chain = next.chain;
    if (next.chord) fields.chord = next.chord;
    let built: BuiltMessage;
    try {
      built = this.dispatcher.build({ name: spec.task, options: spec.taskOptions ?? {} }, args, toSendOptions(spec.options, spec.id), fields);
    } catch (error) {
      if (!(error instanceof NestTasksError)) throw error;
      // It cannot be sent (an argument that is not JSON, a payload over the limit): it fails here, with what follows.
      this.logger.error(`Workflow step ${spec.task}[${spec.id}] cannot be sent: ${error.message}`);
      const failure: WorkflowFailure = { taskId: spec.id, task: spec.task, state: 'FAILURE', error: serializeError(error) };
      plan.failures.push(...this.neverRun([spec], failure, false));
      return this.failed(failure, spec.linkError ?? [], next, plan);
    }
    plan.messages.push({ message: built.message, body: built.body, shard: built.shard, trace: built.trace });
  }

  /** A step succeeded with `value`: run the next step of its chain, or count it in its chord. */
  private async advance(value: unknown, next: Continuation, plan: Plan): Promise<void> {
    const [step, ...rest] = next.chain ?? [];
    if (step) return this.plan(step, { value }, continuation(rest, next.chord), plan);
    if (next.chord) return this.report(next.chord, { ok: true, value }, plan);
  }

  /** A step failed: its errbacks run, the rest of its chain never runs, its chord fails. */
  private async failed(failure: WorkflowFailure, errbacks: WorkflowSpec[], next: Continuation, plan: Plan): Promise<void> {
    for (const errback of errbacks) await this.plan(errback, { value: failure }, {}, plan);
    plan.failures.push(...this.neverRun(next.chain ?? [], failure, true));
    if (next.chord) await this.report(next.chord, { ok: false, failure }, plan);
  }

  /** Counts a chord member; the member that completes the count sends the callback, or passes the failure on. */
  private async report(ref: ChordRef, entry: ChordEntry, plan: Plan): Promise<void> {
    const reply = await this.store.chordPart(ref, entry, this.config.resultExpires);
    const then = ref.then ?? {};
    const downstream = [ref.body, ...(then.chain ?? [])];
    if (reply.firstFailure && !entry.ok) {
      // Fail the callback's result at once: waiters need not wait for the other members.
      plan.failures.push(...this.neverRun(downstream, chordFailure(entry.failure, ref.index), true));
    }
    if (!reply.complete) return;
    plan.fired.push(ref.id);
    const { entries, failedIndex } = reply.complete;
    if (failedIndex === null) {
      const values = entries.map((e) => (e.ok ? e.value : null));
      const before = plan.messages.length;
      await this.plan(ref.body, { value: values }, then, plan);
      for (const built of plan.messages.slice(before)) plan.firedMessages.add(built.message.id);
      return;
    }
    const failed = entries[failedIndex];
    if (failed.ok) throw new NestTasksError(`Chord ${ref.id}: member ${failedIndex} is recorded as the failure but succeeded`);
    const failure = chordFailure(failed.failure, failedIndex);
    await this.failed(failure, entryErrbacks(ref.body), continuation(downstream, then.chord), plan);
  }

  /** FAILURE (or REVOKED) records for steps that will never run; `pointer` adds which task failed. */
  private neverRun(specs: WorkflowSpec[], failure: WorkflowFailure, pointer: boolean): ResultWrite[] {
    const finishedAt = Date.now();
    const writes: ResultWrite[] = [];
    for (const spec of specs) {
      for (const target of neverRunTargets(spec)) {
        const ttl = target.resultExpires ?? this.config.resultExpires;
        const base = { id: target.id, task: target.task, finishedAt };
        if (failure.state === 'REVOKED') {
          const reason = pointer ? `${failure.task}[${failure.taskId}] was revoked: ${failure.error.message}` : failure.error.message;
          writes.push({ record: { ...base, state: TaskState.REVOKED, reason }, ttl });
        } else {
          const error = pointer ? { ...failure.error, data: { ...asObject(failure.error.data), failedTaskId: failure.taskId, failedTask: failure.task } } : failure.error;
          writes.push({ record: { ...base, state: TaskState.FAILURE, error }, ttl });
        }
      }
    }
    return writes;
  }

  // ---- committing --------------------------------------------------------------------------

  private async commit(plan: Plan): Promise<void> {
    await this.store.storeUnlessReady(plan.failures);
    await this.store.storeResults(plan.results);
    const messages = plan.firedMessages.size > 0 ? await this.notSentBefore(plan) : plan.messages;
    if (messages.length > 0) await this.dispatcher.dispatch(messages);
    for (const id of plan.fired) await this.store.chordFired(id, this.config.resultExpires);
  }

  /** The plan's messages less a chord's callback (and what follows it) that already has a result. */
  private async notSentBefore(plan: Plan): Promise<BuiltMessage[]> {
    const fired = plan.messages.filter((built) => plan.firedMessages.has(built.message.id));
    const states = await Promise.all(fired.map((built) => this.dispatcher.result(built.message.id).state()));
    const sent = new Set(fired.filter((_, i) => states[i] !== TaskState.PENDING).map((built) => built.message.id));
    return sent.size === 0 ? plan.messages : plan.messages.filter((built) => !sent.has(built.message.id));
  }
}

/** A chord fails with a ChordError naming the member, whatever the member's own error was. */
function chordFailure(member: WorkflowFailure, index: number): WorkflowFailure {
  const chordError = new ChordError(member.taskId, member.task, index, member.error);
  const error: SerializedError = {
    name: chordError.name,
    message: chordError.message,
    stack: `${chordError.name}: ${chordError.message}\nCaused by: ${member.error.stack ?? `${member.error.name}: ${member.error.message}`}`,
    data: { chordIndex: index, failedTaskId: member.taskId, failedTask: member.task },
  };
  return { taskId: member.taskId, task: member.task, state: 'FAILURE', error };
}

function asObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
