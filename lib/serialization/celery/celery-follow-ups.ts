import { randomUUID } from 'node:crypto';
import type { CeleryDelivery, CelerySignature } from './celery-message';
import { encodeCeleryMessage } from './celery-message';

/** A Celery message to push: its queue, its Celery priority and its envelope. */
export interface CeleryPush {
  queue: string;
  priority: number | undefined;
  envelope: string;
}

/**
 * What a Celery worker sends after a task, from its message's `embed`: on success the
 * next step of its chain (the LAST element: chains travel in reverse) with the rest of
 * the chain, and each link callback, the result prepended to their args (unless
 * immutable); on failure each link_error callback, with the task id prepended (how
 * Celery calls an errback it cannot call in-process).
 */
export function celeryFollowUps(
  delivery: CeleryDelivery,
  outcome: { kind: 'success'; value: unknown } | { kind: 'failure' },
  defaultQueue: string,
): CeleryPush[] {
  const pushes: CeleryPush[] = [];
  const send = (sig: CelerySignature, first: unknown, chain: CelerySignature[] | null) => {
    const options = sig.options ?? {};
    const args = sig.immutable ? (sig.args ?? []) : [first, ...(sig.args ?? [])];
    const queue = stringOption(options.queue) ?? stringOption(options.routing_key) ?? defaultQueue;
    const priority = typeof options.priority === 'number' ? options.priority : undefined;
    const id = stringOption(options.task_id) ?? randomUUID();
    const envelope = encodeCeleryMessage({
      id,
      task: sig.task,
      args,
      kwargs: sig.kwargs ?? {},
      queue,
      priority,
      rootId: delivery.rootId,
      parentId: delivery.id,
      groupId: stringOption(options.group_id) ?? null,
      chain: chain && chain.length > 0 ? chain : null,
      callbacks: signatures(options.link),
      errbacks: signatures(options.link_error),
    });
    pushes.push({ queue, priority, envelope });
  };
  const { callbacks, errbacks, chain } = delivery.embed;
  if (outcome.kind === 'success') {
    if (chain && chain.length > 0) send(chain[chain.length - 1], outcome.value, chain.slice(0, -1));
    for (const sig of callbacks ?? []) send(sig, outcome.value, null);
  } else {
    for (const sig of errbacks ?? []) send(sig, delivery.id, null);
  }
  return pushes;
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function signatures(value: unknown): CelerySignature[] | null {
  if (value === undefined || value === null) return null;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((sig): sig is CelerySignature => sig !== null && typeof sig === 'object' && typeof (sig as CelerySignature).task === 'string');
}
