import type { ReservedMessage, ReserveResult } from '../../lib/broker/ports/message-queue';
import { takingTurns } from '../../lib/worker/run/fetcher';
import { weightedRotation } from '../../lib/worker/worker-options';

const reserved = (queue: string, n: number): ReserveResult => ({
  messages: Array.from({ length: n }, (_, i) => ({ id: `${queue}-${i}`, queue, body: '{}', lease: 'l', delivery: 1 }) as unknown as ReservedMessage),
  dead: [],
  wakeAt: null,
});
const ids = (fetched: { messages: ReservedMessage[] }) => fetched.messages.map((m) => m.id);
const unsharded = (name: string) => name;

describe('takingTurns: the messages of one fetch in weighted turns', () => {
  it('alternates two queues of equal weight, from the cursor on, and gives the turns of a queue that ran out away', () => {
    const rotation = weightedRotation(new Map([['bulk', 1], ['urgent', 1]]));
    const fetched = takingTurns([['bulk', reserved('bulk', 4)], ['urgent', reserved('urgent', 2)]], unsharded, rotation, 1);
    expect(ids(fetched)).toEqual(['urgent-0', 'bulk-0', 'urgent-1', 'bulk-1', 'bulk-2', 'bulk-3']);
  });

  it('follows the weights: 3 to 1', () => {
    const rotation = weightedRotation(new Map([['heavy', 3], ['light', 1]]));
    const fetched = takingTurns([['light', reserved('light', 4)], ['heavy', reserved('heavy', 12)]], unsharded, rotation, 0);
    const order = ids(fetched);
    expect(order).toHaveLength(16);
    for (let i = 0; i < 16; i += 4) expect(order.slice(i, i + 4).filter((id) => id.startsWith('heavy'))).toHaveLength(3);
    expect(order.filter((id) => id.startsWith('heavy'))).toEqual(Array.from({ length: 12 }, (_, i) => `heavy-${i}`));
  });

  it("counts a queue's shards as the queue: their messages take the queue's turns, one shard after the other", () => {
    const rotation = weightedRotation(new Map([['a', 1], ['b', 1]]));
    const logical = (name: string) => name.split('#')[0];
    const fetched = takingTurns([['a#1', reserved('a#1', 2)], ['a#2', reserved('a#2', 1)], ['b', reserved('b', 3)]], logical, rotation, 0);
    expect(ids(fetched)).toEqual(['a#1-0', 'b-0', 'a#1-1', 'b-1', 'a#2-0', 'b-2']);
  });

  it('keeps a lone queue as it came, and every dead-lettered entry of every queue', () => {
    const dead = { id: 'x', queue: 'b', body: null, reason: 'r' };
    const fetched = takingTurns([['a', reserved('a', 3)], ['b', { messages: [], dead: [dead], wakeAt: 5 } as unknown as ReserveResult]], unsharded, ['a', 'b'], 1);
    expect(ids(fetched)).toEqual(['a-0', 'a-1', 'a-2']);
    expect(fetched.dead).toEqual([dead]);
  });

  it('puts a queue that is not in the rotation after the others rather than losing it', () => {
    const fetched = takingTurns([['a', reserved('a', 2)], ['other', reserved('other', 2)]], unsharded, ['a'], 0);
    expect(ids(fetched)).toEqual(['a-0', 'a-1', 'other-0', 'other-1']);
  });
});
