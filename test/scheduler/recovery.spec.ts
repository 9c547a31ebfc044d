import { TaskClient, TaskScheduler, TaskWorker } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { createBeatApp, FAST_BEAT } from './support/beat-apps';
import { runsOf } from './support/probe.tasks';
import { leaderStepped, Resources } from './support/resources';
import { waitFor } from './support/wait';
import { storedCount } from '../support/stored-messages';

/**
 * A leader that dies between claiming a tick and confirming it leaves the tick pending.
 * These tests write that pending tick the way a dead leader would have, then start a
 * new leader, for each point at which the old one could have died.
 */
describe('ticks a lost leader claimed but did not confirm', () => {
  const resources = new Resources();
  afterEach(() => resources.closeAll());

  const tick = Date.parse('2030-01-01T03:00:00Z');
  function pendingTick(label: string) {
    const id = `beat:${label}:2030-01-01T03:00:00.000Z`;
    return { id, json: JSON.stringify({ id, schedule: label, task: 'probe.record', args: [label], tick }) };
  }

  async function setup(label: string) {
    const prefix = uniquePrefix(label);
    const options = { broker: testRedisUrl(), prefix, beat: { ...FAST_BEAT } };
    const redis = resources.redis(testRedisUrl());
    const pendingKey = `${prefix}:{beat}:pending`;
    const fire = pendingTick(label);
    await redis.hset(pendingKey, fire.id, fire.json);
    const producer = resources.app(await createBeatApp(options));
    return { options, redis, pendingKey, fire, producer };
  }

  it('died before sending: the next leader sends the tick, once', async () => {
    const { options, redis, pendingKey, fire } = await setup('never-sent');
    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start();
    const beat = resources.app(await createBeatApp(options));
    await beat.get(TaskScheduler).start();
    await waitFor(() => runsOf('never-sent').length === 1, 'the recovered tick to run');
    expect(runsOf('never-sent')).toEqual([fire.id]);
    expect(await redis.hlen(pendingKey)).toBe(0);
  });

  it('died after sending, and a worker already ran the tick: it is not sent again', async () => {
    const { options, redis, pendingKey, fire, producer } = await setup('already-ran');
    await producer.get(TaskClient).send('probe.record', ['already-ran'], { taskId: fire.id });
    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start();
    await waitFor(() => runsOf('already-ran').length === 1, 'the tick to run');
    // The worker confirmed the tick as it started it.
    await waitFor(async () => (await redis.hlen(pendingKey)) === 0, 'the worker to confirm the tick');
    const beat = resources.app(await createBeatApp(options));
    await beat.get(TaskScheduler).start();
    await leaderStepped(beat.get(TaskScheduler), redis, options.prefix);
    await resources.queueDrained(worker);
    expect(runsOf('already-ran')).toEqual([fire.id]);
  });

  it('died after sending, the tick still queued: sending it again is a no-op, it runs once', async () => {
    const { options, redis, pendingKey, fire, producer } = await setup('still-queued');
    await producer.get(TaskClient).send('probe.record', ['still-queued'], { taskId: fire.id });
    const beat = resources.app(await createBeatApp(options));
    await beat.get(TaskScheduler).start();
    await waitFor(async () => (await redis.hlen(pendingKey)) === 0, 'the new leader to resend and confirm the tick');
    expect(await storedCount(redis, options.prefix, 'default')).toBe(1);
    const worker = resources.app(await createBeatApp(options));
    await worker.get(TaskWorker).start();
    await waitFor(() => runsOf('still-queued').length === 1, 'the tick to run');
    // No copy of it is left anywhere to run again, and the leader sends it no more.
    await leaderStepped(beat.get(TaskScheduler), redis, options.prefix);
    await resources.queueDrained(worker);
    expect(runsOf('still-queued')).toEqual([fire.id]);
  });
});
