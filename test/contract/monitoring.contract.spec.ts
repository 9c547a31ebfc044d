import { waitFor } from '../support/wait';
import type { PublishRequest, RemoteReply, TaskEvent, TaskEventType, WorkerState } from './backends';
import { forEachBackend } from './for-each-backend';

const Q = 'q';
const LONG = 60_000;

function msg(id: string, extra: Partial<PublishRequest> = {}): PublishRequest {
  return { id, queue: Q, body: `body-${id}`, ...extra };
}

function event(type: TaskEventType, taskId: string, at: number, extra: Partial<TaskEvent> = {}): TaskEvent {
  return { type, at, taskId, task: 'Contract.run', queue: Q, ...extra };
}

const STARTED = Date.now() - 10_000;

function worker(id: string, extra: Partial<WorkerState> = {}): WorkerState {
  return {
    id,
    hostname: 'host',
    pid: 1,
    queues: [Q],
    concurrency: 2,
    beat: false,
    startedAt: STARTED,
    active: 0,
    reserved: 0,
    processed: 3,
    succeeded: 2,
    failed: 1,
    retried: 0,
    rss: 1000,
    loadavg: [0.1, 0.2, 0.3],
    lastHeartbeat: Date.now(),
    heartbeatInterval: 1000,
    state: 'online',
    running: [{ id: 't1', task: 'Contract.run', queue: Q, startedAt: STARTED + 500 }],
    ...extra,
  };
}

/** How long a promise takes to settle, and its value. */
async function timed<T>(promise: Promise<T>): Promise<{ ms: number; value: T }> {
  const start = Date.now();
  const value = await promise;
  return { ms: Date.now() - start, value };
}

forEachBackend('monitoring', ({ open }) => {
  describe('queue admin', () => {
    it('counts ready, delayed, active and dead messages', async () => {
      const { broker, monitoring } = await open();
      expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 0, dead: 0 });
      await broker.publish([msg('running'), msg('poison')]);
      const poison = (await broker.reserve(Q, 2, LONG)).messages.find((m) => m.id === 'poison')!;
      await broker.settle([{ kind: 'dead', queue: Q, id: 'poison', lease: poison.lease, raw: null, reason: 'test' }], []);
      await broker.publish([msg('a'), msg('b', { priority: 2 }), msg('later', { eta: Date.now() + LONG })]);
      expect(await monitoring.admin.counts(Q)).toEqual({ ready: 2, delayed: 1, active: 1, dead: 1 });
    });

    it('queueNames lists the queues messages were published to, sorted; looking at a queue does not add it', async () => {
      const { broker, monitoring } = await open();
      expect(await monitoring.admin.queueNames()).toEqual([]);
      await broker.publish([msg('a'), { id: 'b', queue: 'alpha', body: 'b' }]);
      await broker.publish([{ id: 'c', queue: 'later', body: 'c', eta: Date.now() + LONG }]);
      await monitoring.admin.counts('looked-at');
      await broker.queueSizes('looked-at');
      await broker.reserve('looked-at', 1, LONG);
      expect(await monitoring.admin.queueNames()).toEqual(['alpha', 'later', Q]);
    });

    it('purge removes the waiting messages (ready, prioritised, delayed) and leaves leased ones to finish', async () => {
      const { broker, monitoring } = await open();
      await broker.publish([msg('running')]);
      const [running] = (await broker.reserve(Q, 1, LONG)).messages;
      await broker.publish([msg('a'), msg('b', { priority: 5 }), msg('later', { eta: Date.now() + LONG })]);
      const progress: Array<[number, number]> = [];
      const purged: string[] = [];
      expect(
        await monitoring.admin.purge(Q, (ids, removed, remaining) => {
          purged.push(...ids);
          progress.push([removed, remaining]);
        }),
      ).toBe(3);
      expect(progress.at(-1)).toEqual([3, 0]);
      // The ids removed are told, chunk by chunk, so that their tasks can be marked.
      expect(purged.sort()).toEqual(['a', 'b', 'later']);
      expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 1, dead: 0 });
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([]);
      // The purged messages are forgotten: their ids can be published again.
      await broker.publish([{ id: 'a', queue: Q, body: 'new a' }]);
      expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'a', queue: Q, body: 'new a', delivery: 1, lease: expect.any(String) }]);
      await broker.settle([{ kind: 'ack', queue: Q, id: 'running', lease: running.lease }], []);
      expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 1, dead: 0 });
      expect(await monitoring.admin.purge(Q)).toBe(0);
    });

    it('scheduled lists delayed messages, soonest first', async () => {
      const { broker, monitoring } = await open();
      const now = Date.now();
      await broker.publish([msg('third', { eta: now + 30_000 }), msg('first', { eta: now + 10_000 }), msg('second', { eta: now + 20_000 }), msg('ready')]);
      const listed = await monitoring.admin.scheduled(Q, 10);
      expect(listed.map(({ id, queue, eta }) => ({ id, queue, eta }))).toEqual([
        { id: 'first', queue: Q, eta: now + 10_000 },
        { id: 'second', queue: Q, eta: now + 20_000 },
        { id: 'third', queue: Q, eta: now + 30_000 },
      ]);
      expect((await monitoring.admin.scheduled(Q, 1)).map((m) => m.id)).toEqual(['first']);
    });

    describe('dead letters', () => {
      async function deadLetters(names: string[]) {
        const backend = await open();
        await backend.broker.publish(names.map((id) => msg(id)));
        const { messages } = await backend.broker.reserve(Q, names.length, LONG);
        for (const id of names) {
          const { lease } = messages.find((m) => m.id === id)!;
          await backend.broker.settle([{ kind: 'dead', queue: Q, id, lease, raw: null, reason: `${id} is bad` }], []);
        }
        return backend;
      }

      it('lists them newest first with paging, and finds one by id', async () => {
        const { monitoring } = await deadLetters(['x', 'y', 'z']);
        const all = await monitoring.admin.deadLetters(Q, 0, 10);
        expect(all.map(({ id, queue, reason, raw }) => ({ id, queue, reason, raw }))).toEqual([
          { id: 'z', queue: Q, reason: 'z is bad', raw: 'body-z' },
          { id: 'y', queue: Q, reason: 'y is bad', raw: 'body-y' },
          { id: 'x', queue: Q, reason: 'x is bad', raw: 'body-x' },
        ]);
        for (const entry of all) {
          expect(entry.message).toBeNull();
          expect(entry.decodeError).toEqual(expect.any(String));
          expect(entry.entry).toEqual(expect.any(String));
        }
        expect(await monitoring.admin.deadLetters(Q, 1, 1)).toEqual([all[1]]);
        expect(await monitoring.admin.findDeadLetter(Q, 'x')).toEqual(all[2]);
        expect(await monitoring.admin.findDeadLetter(Q, 'unknown')).toBeNull();
      });

      it('requeue moves one back, ready to run now with the given body and priority, delivery counted afresh', async () => {
        const { broker, monitoring } = await deadLetters(['x', 'y']);
        await broker.publish([msg('plain')]);
        const entry = (await monitoring.admin.findDeadLetter(Q, 'x'))!;
        expect(await monitoring.admin.requeueDeadLetter(entry, 'fixed body', 7)).toBe(1);
        expect(await monitoring.admin.counts(Q)).toEqual({ ready: 2, delayed: 0, active: 0, dead: 1 });
        expect((await monitoring.admin.deadLetters(Q, 0, 10)).map((e) => e.id)).toEqual(['y']);
        const requeued = await broker.reserve(Q, 10, LONG);
        expect(requeued.messages).toEqual([
          { id: 'x', queue: Q, body: 'fixed body', delivery: 1, lease: expect.any(String) },
          { id: 'plain', queue: Q, body: 'body-plain', delivery: 1, lease: expect.any(String) },
        ]);
        // While it is queued or running, requeueing the same entry again is refused...
        expect(await monitoring.admin.requeueDeadLetter(entry, 'fixed body', 7)).toBe(-1);
        // ...and once it is done the entry is gone: nothing to requeue.
        await broker.settle([{ kind: 'ack', queue: Q, id: 'x', lease: requeued.messages[0].lease }], []);
        expect(await monitoring.admin.requeueDeadLetter(entry, 'fixed body', 7)).toBe(0);
        expect(await monitoring.admin.counts(Q)).toEqual({ ready: 0, delayed: 0, active: 1, dead: 1 });
      });

      it('requeue refuses while a message with that id is queued, and keeps the entry', async () => {
        const { broker, monitoring } = await deadLetters(['x']);
        const entry = (await monitoring.admin.findDeadLetter(Q, 'x'))!;
        await broker.publish([{ id: 'x', queue: Q, body: 'sent again' }]);
        expect(await monitoring.admin.requeueDeadLetter(entry, 'fixed body', 0)).toBe(-1);
        expect(await monitoring.admin.findDeadLetter(Q, 'x')).toEqual(entry);
        expect((await broker.reserve(Q, 10, LONG)).messages).toEqual([{ id: 'x', queue: Q, body: 'sent again', delivery: 1, lease: expect.any(String) }]);
      });

      it('delete removes one entry, once', async () => {
        const { monitoring } = await deadLetters(['x', 'y']);
        const entry = (await monitoring.admin.findDeadLetter(Q, 'x'))!;
        expect(await monitoring.admin.deleteDeadLetter(entry)).toBe(true);
        expect(await monitoring.admin.deleteDeadLetter(entry)).toBe(false);
        expect((await monitoring.admin.deadLetters(Q, 0, 10)).map((e) => e.id)).toEqual(['y']);
      });
    });
  });

  describe('event store', () => {
    it('append, then recent (newest first), lastId and forTask (oldest first)', async () => {
      const { monitoring } = await open();
      const { events } = monitoring;
      expect(await events.lastId()).toBe('0-0');
      expect(await events.recent(10)).toEqual([]);
      const t0 = Date.now();
      await events.append([event('sent', 't1', t0), event('sent', 't2', t0 + 1), event('received', 't1', t0 + 2)]);
      await events.append([event('started', 't1', t0 + 3), event('succeeded', 't1', t0 + 4, { runtime: 1 })]);
      const recent = await events.recent(10);
      expect(recent.map((e) => [e.type, e.taskId])).toEqual([
        ['succeeded', 't1'],
        ['started', 't1'],
        ['received', 't1'],
        ['sent', 't2'],
        ['sent', 't1'],
      ]);
      expect(recent[0]).toEqual({ ...event('succeeded', 't1', t0 + 4, { runtime: 1 }), id: expect.stringMatching(/^\d+-\d+(\.\d+)?$/) });
      expect(await events.recent(2)).toEqual(recent.slice(0, 2));
      expect(await events.lastId()).toBe(recent[0].id);
      expect((await events.forTask('t1')).map((e) => e.type)).toEqual(['sent', 'received', 'started', 'succeeded']);
      expect(await events.forTask('t2')).toEqual([recent[3]]);
      expect(await events.forTask('unknown')).toEqual([]);
    });

    it('readAfter returns what follows an id, oldest first, up to count', async () => {
      const { monitoring } = await open();
      const { events } = monitoring;
      const t0 = Date.now();
      await events.append([event('sent', 'a', t0), event('sent', 'b', t0), event('sent', 'c', t0), event('sent', 'd', t0)]);
      const [first] = (await events.recent(10)).reverse();
      expect((await events.readAfter(first.id, 2, 0)).map((e) => e.taskId)).toEqual(['b', 'c']);
      expect((await events.readAfter('0-0', 10, 0)).map((e) => e.taskId)).toEqual(['a', 'b', 'c', 'd']);
      expect(await events.readAfter(await events.lastId(), 10, 0)).toEqual([]);
    });

    it('readAfter waits for the next event, and up to blockMs when none comes', async () => {
      const { monitoring } = await open();
      const { events } = monitoring;
      await events.append([event('sent', 'a', Date.now())]);
      const last = await events.lastId();
      const idle = await timed(events.readAfter(last, 10, 200));
      expect(idle.value).toEqual([]);
      expect(idle.ms).toBeGreaterThanOrEqual(190);

      const waiting = timed(events.readAfter(last, 10, 5000));
      await events.append([event('received', 'a', Date.now())]);
      const { ms, value } = await waiting;
      expect(value.map((e) => [e.type, e.taskId])).toEqual([['received', 'a']]);
      expect(ms).toBeLessThan(3000);
    });

    it('keeps about maxLen events: at least the newest maxLen, the oldest dropped', async () => {
      const maxLen = 100;
      const { monitoring } = await open({ eventsMaxLen: maxLen });
      const { events } = monitoring;
      const t0 = Date.now();
      for (let batch = 0; batch < 7; batch++) {
        await events.append(Array.from({ length: 50 }, (_, i) => event('sent', `t${batch * 50 + i}`, t0 + batch * 50 + i)));
      }
      const kept = await events.recent(1000);
      // Redis trims approximately (whole stream nodes, MAXLEN ~): never below maxLen, less than a node above.
      expect(kept.length).toBeGreaterThanOrEqual(maxLen);
      expect(kept.length).toBeLessThan(2 * maxLen);
      expect(kept.slice(0, maxLen).map((e) => e.taskId)).toEqual(Array.from({ length: maxLen }, (_, i) => `t${349 - i}`));
      expect(await events.forTask('t0')).toEqual([]);
      expect(kept.at(-1)!.taskId).toBe(`t${350 - kept.length}`);
    });
  });

  describe('worker directory', () => {
    it('lists saved workers, newest heartbeat first, one entry per id with its latest state', async () => {
      const { monitoring } = await open();
      const { workers } = monitoring;
      expect(await workers.list()).toEqual([]);
      const now = Date.now();
      await workers.save(worker('w1', { lastHeartbeat: now - 500 }));
      await workers.save(worker('w2', { lastHeartbeat: now - 200 }));
      expect(await workers.list()).toEqual([
        { ...worker('w2', { lastHeartbeat: now - 200 }), status: 'online' },
        { ...worker('w1', { lastHeartbeat: now - 500 }), status: 'online' },
      ]);
      const latest = worker('w1', { lastHeartbeat: now, processed: 10, running: [] });
      await workers.save(latest);
      const listed = await workers.list();
      expect(listed).toHaveLength(2);
      expect(listed[0]).toEqual({ ...latest, status: 'online' });
    });

    it('status: offline after a clean stop, lost after three missed heartbeats', async () => {
      const { monitoring } = await open();
      const { workers } = monitoring;
      const now = Date.now();
      await workers.save(worker('stopped', { state: 'offline', lastHeartbeat: now - 100 }));
      await workers.save(worker('lost', { heartbeatInterval: 1000, lastHeartbeat: now - 3500 }));
      await workers.save(worker('late', { heartbeatInterval: 1000, lastHeartbeat: now - 2500 }));
      const status = Object.fromEntries((await workers.list()).map((w) => [w.id, w.status]));
      expect(status).toEqual({ stopped: 'offline', lost: 'lost', late: 'online' });
    });

    it('forgets workers gone for more than an hour', async () => {
      const { monitoring } = await open();
      const { workers } = monitoring;
      const now = Date.now();
      await workers.save(worker('gone', { lastHeartbeat: now - 2 * 60 * 60 * 1000, state: 'offline' }));
      await workers.save(worker('recent', { lastHeartbeat: now - 50 * 60 * 1000, state: 'offline' }));
      expect((await workers.list()).map((w) => w.id)).toEqual(['recent']);
      expect((await workers.list()).map((w) => w.id)).toEqual(['recent']);
      // A new heartbeat brings it back.
      await workers.save(worker('gone', { lastHeartbeat: now }));
      expect((await workers.list()).map((w) => w.id)).toEqual(['gone', 'recent']);
    });
  });

  describe('reply channel', () => {
    const reply = (requestId: string, value: unknown): RemoteReply => ({ requestId, worker: 'w1', ok: true, value });

    it('round trip: a reply sent to the address listen() gave arrives, as a copy; other addresses are not delivered', async () => {
      const { monitoring } = await open();
      const got: RemoteReply[] = [];
      const address = await monitoring.replies.listen((r) => got.push(r));
      expect(address).toEqual(expect.any(String));
      expect(await monitoring.replies.listen((r) => got.push(r))).toBe(address);

      const first = reply('r1', { nested: ['a'] });
      await monitoring.replies.send(address, first);
      (first.value as { nested: string[] }).nested.push('changed after sending');
      await monitoring.replies.send('elsewhere', reply('r2', 'not for us'));
      await monitoring.replies.send(address, { requestId: 'r3', worker: 'w2', ok: false, error: { name: 'Error', message: 'no' } });
      await waitFor(() => got.length >= 2, 'the replies', 3000, 5);
      expect(got).toEqual([reply('r1', { nested: ['a'] }), { requestId: 'r3', worker: 'w2', ok: false, error: { name: 'Error', message: 'no' } }]);
    });
  });

  describe('minute stats', () => {
    it('adds counters and raises gauges per series and minute, and reads the minutes that hold numbers, oldest first', async () => {
      const { monitoring } = await open();
      const { stats } = monitoring;
      await stats.record(
        [
          { series: 'throughput', minute: 100, add: { ok: 2, fail: 1 } },
          { series: 'throughput', minute: 102, add: { ok: 1 } },
          { series: 'throughput', minute: 100, add: { ok: 3 } },
          { series: 'depth', minute: 100, max: { emails: 7, default: 0 } },
          { series: 'runtime:Tasks.run', minute: 101, add: { '12': 4 } },
        ],
        LONG,
      );
      // A gauge keeps the minute's highest value.
      await stats.record([{ series: 'depth', minute: 100, max: { emails: 5, default: 2 } }], LONG);
      expect(await stats.read('throughput', 99, 103)).toEqual([
        { minute: 100, fields: { ok: 5, fail: 1 } },
        { minute: 102, fields: { ok: 1 } },
      ]);
      expect(await stats.read('throughput', 101, 101)).toEqual([]);
      expect(await stats.read('depth', 90, 110)).toEqual([{ minute: 100, fields: { emails: 7, default: 2 } }]);
      expect(await stats.read('runtime:Tasks.run', 100, 102)).toEqual([{ minute: 101, fields: { '12': 4 } }]);
      expect(await stats.read('runtime:Other.run', 100, 102)).toEqual([]);
      await stats.record([], LONG);
    });

    it('forgets a minute once its ttl has passed', async () => {
      const { monitoring } = await open();
      await monitoring.stats.record([{ series: 'throughput', minute: 5, add: { ok: 1 } }], 50);
      expect(await monitoring.stats.read('throughput', 5, 5)).toEqual([{ minute: 5, fields: { ok: 1 } }]);
      await waitFor(async () => (await monitoring.stats.read('throughput', 5, 5)).length === 0, 'the minute to expire', 3000, 10);
    });
  });
});
