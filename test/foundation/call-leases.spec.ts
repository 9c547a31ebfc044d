import type { Redis } from 'ioredis';
import type { ReserveResult } from '../../lib/broker/ports/message-queue';
import type { RedisBroker } from '../../lib/broker/redis/redis-broker';
import { uniquePrefix } from '../support/redis-url';
import { leasedCount, messageKey } from '../support/stored-messages';
import { Harness, queueKey, waitFor } from './harness';

/**
 * One lease per reserve call on Redis: the call's token in `<active>:leases` (by deadline)
 * and its ids in `<active>:lease:<token>`, instead of a sorted-set member per id.
 */
describe('Redis leases, one per reserve call', () => {
  const h = new Harness();
  afterEach(() => h.closeAll());

  async function open(name: string): Promise<{ broker: RedisBroker; raw: Redis; prefix: string }> {
    const server = await h.server();
    const prefix = uniquePrefix(name);
    const app = await h.taskApp({ broker: server.url, prefix }, []);
    return { broker: h.broker(app) as RedisBroker, raw: h.redis(server.url), prefix };
  }

  const publish = (broker: RedisBroker, ids: string[]) => broker.publish(ids.map((id) => ({ id, queue: 'default', body: `body-${id}` })));

  it('a call leases its messages under one token; acks end it id by id, and the last one removes it', async () => {
    const { broker, raw, prefix } = await open('call-lease');
    const active = queueKey(prefix, 'default', 'active');
    await publish(broker, ['a', 'b', 'c']);
    const { messages } = await broker.reserve('default', 3, 60_000);
    const [token] = new Set(messages.map((m) => m.lease));
    expect(messages.map((m) => m.lease)).toEqual([token, token, token]);
    expect(await raw.zrange(`${active}:leases`, 0, -1)).toEqual([token]);
    expect((await raw.smembers(`${active}:lease:${token}`)).sort()).toEqual(['a', 'b', 'c']);
    expect(await raw.zcard(active)).toBe(0);

    const ack = (ids: string[], lease = token) => broker.settle(ids.map((id) => ({ kind: 'ack', queue: 'default', id, lease }) as const), []);
    await ack(['a']);
    expect((await raw.smembers(`${active}:lease:${token}`)).sort()).toEqual(['b', 'c']);
    expect(await broker.queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 2 });
    // A second ack of 'a' and an ack under a token 'b' does not hold do nothing: the bodies stay.
    await ack(['a']);
    await ack(['b'], 'not-its-token');
    expect(await raw.hget(messageKey(prefix, 'default', 'b'), 'b')).toBe('body-b');
    expect(await leasedCount(raw, prefix, 'default')).toBe(2);
    await ack(['b', 'c']);
    expect(await raw.exists(`${active}:leases`, `${active}:lease:${token}`)).toBe(0);
    expect(await broker.queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 0 });
  });

  it('a lease that runs out gives back the ids not settled, and its token is stale after', async () => {
    const { broker, raw, prefix } = await open('call-lease-out');
    const active = queueKey(prefix, 'default', 'active');
    await publish(broker, ['c', 'a', 'b', 'd']);
    const first = await broker.reserve('default', 4, 100);
    const token = first.messages[0].lease;
    await broker.settle([{ kind: 'ack', queue: 'default', id: 'd', lease: token }], []);
    await waitFor(() => Date.now() > first.wakeAt!, 'the lease to run out', 2000, 5);
    // Given back in id order, each to the front of the line: the last one given back comes first.
    const back = await broker.reserve('default', 10, 60_000);
    expect(back.messages.map((m) => [m.id, m.delivery])).toEqual([
      ['c', 2],
      ['b', 2],
      ['a', 2],
    ]);
    expect(await raw.exists(`${active}:lease:${token}`)).toBe(0);
    expect(await raw.zscore(`${active}:leases`, token)).toBeNull();
    // The first holder's late ack does nothing: the second delivery still holds 'a'.
    await broker.settle([{ kind: 'ack', queue: 'default', id: 'a', lease: token }], []);
    expect(await raw.hget(messageKey(prefix, 'default', 'a'), 'a')).toBe('body-a');
    expect(await leasedCount(raw, prefix, 'default')).toBe(3);
  });

  it('a lease extended stays, one not extended runs out', async () => {
    const { broker, prefix, raw } = await open('call-lease-extend');
    await publish(broker, ['a', 'b', 'c']);
    const kept = await broker.reserve('default', 2, 150);
    const dropped = await broker.reserve('default', 1, 150);
    // Extending one id of a call extends the call's lease: 'b' stays with 'a'.
    await broker.extendLeases('default', [{ id: 'a', lease: kept.messages[0].lease }], 60_000);
    expect(dropped.messages.map((m) => m.id)).toEqual(['c']);
    // 'c' comes back once its lease runs out, after the first call's lease would have: had
    // that not been extended, 'a' and 'b' would come back with it.
    let back: ReserveResult | undefined;
    await waitFor(async () => (back = await broker.reserve('default', 10, 60_000)).messages.length > 0, 'the unextended lease to run out', 2000, 5);
    expect(back!.messages.map((m) => [m.id, m.delivery])).toEqual([['c', 2]]);
    expect(await leasedCount(raw, prefix, 'default')).toBe(3);
  });

  it("a lease of a worker before per-call leases (an `id|token` member of the active set) is still given back when it runs out", async () => {
    const { broker, raw, prefix } = await open('call-lease-old');
    const active = queueKey(prefix, 'default', 'active');
    await publish(broker, ['old']);
    // What an earlier worker's reserve left: the id out of the ready list, leased by member.
    const [leased] = (await broker.reserve('default', 1, 60_000)).messages;
    expect(leased.id).toBe('old');
    await raw.del(`${active}:leases`, `${active}:lease:${leased.lease}`);
    await raw.zadd(active, Date.now() - 1, 'old|an-earlier-token');
    expect(await broker.queueSizes('default')).toEqual({ ready: 0, delayed: 0, active: 1 });
    const back = await broker.reserve('default', 10, 60_000);
    expect(back.messages.map((m) => [m.id, m.body])).toEqual([['old', 'body-old']]);
    expect(await raw.zcard(active)).toBe(0);
  });
});
