import fc from 'fast-check';
import { waitFor } from '../support/wait';
import { backends, type Backend, type Broker, type ReservedMessage, type SettleOp } from './backends';

/**
 * Random histories: the same random sequence of queue operations (publish with
 * priorities and etas, reserve, lease expiry, ack, requeue, release, dead letter)
 * run on every backend must be observed the same way on each.
 */

const QUEUE = 'q';
const IDS = ['a', 'b', 'c', 'd', 'e'];
const HELD_MS = 60_000;

type Command =
  | { kind: 'publish'; id: string; priority: number; delayed: boolean }
  | { kind: 'reserve'; max: number; expire: boolean }
  | { kind: 'settle'; pick: number; op: 'ack' | 'requeue' | 'release' | 'dead' }
  | { kind: 'result'; id: string; state: 'PENDING' | 'RECEIVED' | 'STARTED' | 'RETRY' | 'SUCCESS' | 'FAILURE' }
  | { kind: 'revoke'; id: string };

const priority = fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.integer({ min: 1, max: 9 }), weight: 1 });
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('publish' as const), id: fc.constantFrom(...IDS), priority, delayed: fc.boolean() }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('reserve' as const), max: fc.integer({ min: 1, max: 3 }), expire: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), op: fc.constantFrom('ack' as const, 'requeue' as const, 'release' as const, 'dead' as const) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('result' as const), id: fc.constantFrom(...IDS), state: fc.constantFrom('PENDING' as const, 'RECEIVED' as const, 'STARTED' as const, 'RETRY' as const, 'SUCCESS' as const, 'FAILURE' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('revoke' as const), id: fc.constantFrom(...IDS) }), weight: 1 },
);

/** What one run saw, step by step. */
async function play(broker: Broker, commands: Command[]): Promise<unknown[]> {
  const seen: unknown[] = [];
  const held: ReservedMessage[] = [];
  for (const step of commands) {
    switch (step.kind) {
      case 'publish': {
        const eta = step.delayed ? Date.now() + HELD_MS : undefined;
        await broker.publish([{ id: step.id, queue: QUEUE, body: `body-${step.id}`, priority: step.priority || undefined, eta }]);
        break;
      }
      case 'reserve': {
        const { messages } = await broker.reserve(QUEUE, step.max, step.expire ? 1 : HELD_MS);
        seen.push(messages.map((m) => [m.id, m.delivery, m.body]));
        if (step.expire) {
          // Leases of 1 ms: they have run out once the clock has moved on.
          const leased = Date.now();
          await waitFor(() => Date.now() > leased + 1, 'the leases to run out', 1000, 1);
        } else {
          held.push(...messages);
        }
        break;
      }
      case 'settle': {
        if (held.length === 0) break;
        const [message] = held.splice(step.pick % held.length, 1);
        await broker.settle([settleOp(message, step.op)], []);
        break;
      }
      case 'result':
        await broker.storeResults([{ record: { id: step.id, state: step.state, task: 'Property.task' }, ttl: HELD_MS }]);
        break;
      case 'revoke':
        // As TaskDispatcher.revoke: remembered for workers, REVOKED unless started or final.
        await broker.rememberRevoked([step.id], Date.now() + HELD_MS);
        seen.push(await broker.markRevoked([step.id], HELD_MS));
        break;
    }
    seen.push(await broker.queueSizes(QUEUE));
  }
  seen.push((await broker.deadLetters(QUEUE)).map((d) => [d.id, d.reason]));
  seen.push((await broker.revokedIds()).sort());
  seen.push(await Promise.all(IDS.map(async (id) => (await broker.getResult(id))?.state ?? null)));
  return seen;
}

function settleOp(message: ReservedMessage, op: 'ack' | 'requeue' | 'release' | 'dead'): SettleOp {
  const { id, queue, lease } = message;
  switch (op) {
    case 'ack':
      return { kind: 'ack', id, queue, lease };
    case 'requeue':
      return { kind: 'requeue', id, queue, lease, body: '', eta: 0 };
    case 'release':
      return { kind: 'release', id, queue, lease };
    case 'dead':
      return { kind: 'dead', id, queue, lease, raw: message.body, reason: 'chosen' };
  }
}

describe('random histories', () => {
  it('are observed the same on every backend', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40, size: 'max' }), async (commands) => {
        const histories: unknown[][] = [];
        for (const factory of backends) {
          const backend: Backend = await factory.create({ maxDeliveries: 3 });
          try {
            histories.push(await play(backend.broker, commands));
          } finally {
            await backend.close();
          }
        }
        for (const history of histories.slice(1)) expect(history).toEqual(histories[0]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
