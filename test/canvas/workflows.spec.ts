import { TaskFailedError, type TaskClient, type TaskModuleOptions, type WorkflowFailure } from '../../lib';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { startCluster, type Cluster, type Topology } from './cluster';
import { FlowTasks } from './flow.tasks';

const TIMEOUT = 20_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const id = (name: string) => `${name}-${uniquePrefix()}`;

const backends: Array<[string, () => TaskModuleOptions, Topology]> = [
  ['Redis, 3 worker apps', () => ({ broker: testRedisUrl(), prefix: uniquePrefix('canvas') }), { workers: 3 }],
  ['memory://, worker in the app', () => ({ broker: 'memory://' }), 'same-app'],
  ['eager mode', () => ({ eager: true }), 'eager'],
];

describe.each(backends)('workflows on %s', (_name, options, topology) => {
  let cluster: Cluster;
  let client: TaskClient;
  const add = (a: number, b?: number) => (b === undefined ? client.signature(FlowTasks, 'add', a) : client.signature(FlowTasks, 'add', a, b));
  const mul = (b: number) => client.signature(FlowTasks, 'mul', b);
  const label = (prefix: string) => client.signature(FlowTasks, 'label', prefix);
  const fail = (message: string) => client.signature(FlowTasks, 'fail', 0, message).immutable();
  const total = () => client.signature(FlowTasks, 'total');
  const inspect = (tag: string, taskId: string) => client.signature(FlowTasks, 'inspect', tag).set({ taskId });

  beforeAll(async () => {
    cluster = await startCluster(options(), topology);
    client = cluster.client;
  });
  afterAll(() => cluster?.close());

  describe('chain', () => {
    it('prepends each result to the next step’s arguments (Celery order) and resolves with the last', async () => {
      const result = await client.chain(add(2, 2), mul(10), label('total')).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe('total:40');
    });

    it('gives an immutable step only its own arguments', async () => {
      const result = await client.chain(add(1, 1), add(5, 5).immutable(), label('x')).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe('x:10');
    });

    it('stops at a failure: get() rejects with that task’s error, the later steps never run and are FAILURE', async () => {
      const before = cluster.calls('label');
      const [failId, thirdId, lastId] = [id('fail'), id('third'), id('last')];
      const result = await client
        .chain(add(1, 2), fail('boom').set({ taskId: failId }), label('never').set({ taskId: thirdId }), label('never').set({ taskId: lastId }))
        .applyAsync();
      expect(result.id).toBe(lastId);
      const error = (await result.get({ timeout: TIMEOUT }).catch((e: unknown) => e)) as TaskFailedError;
      expect(error).toBeInstanceOf(TaskFailedError);
      expect(error.remoteName).toBe('TypeError');
      expect(error.remoteMessage).toBe('boom');
      expect(error.remote.data).toEqual({ failedTaskId: failId, failedTask: 'FlowTasks.fail' });
      await expect(client.result(failId).get({ timeout: TIMEOUT })).rejects.toMatchObject({ remoteMessage: 'boom' });
      await expect(client.result(thirdId).state()).resolves.toBe('FAILURE');
      await cluster.settled();
      expect(cluster.calls('label')).toBe(before);
    });

    it('moves on only after the final outcome: a retried step continues the chain once', async () => {
      const [flakyBefore, addBefore] = [cluster.calls('flaky'), cluster.calls('add')];
      const result = await client.chain(client.signature(FlowTasks, 'flaky', 1), add(1)).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(1002);
      await cluster.settled();
      expect(cluster.calls('flaky') - flakyBefore).toBe(2);
      expect(cluster.calls('add') - addBefore).toBe(1);
    });

    it('runs steps made by task name (untyped signatures)', async () => {
      const result = await client.chain(client.signature('FlowTasks.add', [1, 1]), client.signature<number>('FlowTasks.mul', [5])).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(10);
      await expect((await client.signature<number>('FlowTasks.add', [4, 5]).delay()).get({ timeout: TIMEOUT })).resolves.toBe(9);
    });
  });

  describe('group', () => {
    it('runs 1000 members; get() gives the values in order; completed() counts them', async () => {
      const result = await client.group(range(1000).map((i) => add(i, i))).applyAsync();
      expect(result.results).toHaveLength(1000);
      await expect(result.get({ timeout: TIMEOUT })).resolves.toEqual(range(1000).map((i) => 2 * i));
      await expect(result.completed()).resolves.toBe(1000);
      await expect(result.ready()).resolves.toBe(true);
    });

    it('rejects on a failure, or with { propagate: false } gives every member’s outcome', async () => {
      const result = await client.group(add(1, 1), fail('nope'), add(2, 2)).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).rejects.toMatchObject({ name: 'TaskFailedError', remoteName: 'TypeError', remoteMessage: 'nope' });
      const outcomes = await result.get({ timeout: TIMEOUT, propagate: false });
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[0]).toEqual({ id: result.results[0].id, status: 'fulfilled', value: 2 });
      expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { name: 'TaskFailedError', remoteMessage: 'nope' } });
      await expect(result.completed()).resolves.toBe(2);
      await expect(result.failed()).resolves.toBe(true);
    });

    it('an empty group resolves with []', async () => {
      const result = await client.group([]).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toEqual([]);
    });
  });

  describe('chord', () => {
    it('calls the callback exactly once with the 1000 results in header order', async () => {
      const before = cluster.calls('total');
      const result = await client.chord(range(1000).map((i) => add(i, 1)), total()).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(500_500);
      await cluster.settled();
      expect(cluster.calls('total') - before).toBe(1);
      expect(cluster.totals().at(-1)).toEqual(range(1000).map((i) => i + 1));
    });

    it('fails when a member fails: the callback never runs, its result names the member, its errback runs', async () => {
      const before = cluster.calls('total');
      const [failId, errbackId] = [id('member'), id('errback')];
      const result = await client
        .chord([add(1, 1), fail('bad member').set({ taskId: failId }), add(2, 2)], total().linkError(inspect('chord', errbackId)))
        .applyAsync();
      const error = (await result.get({ timeout: TIMEOUT }).catch((e: unknown) => e)) as TaskFailedError;
      expect(error.remoteName).toBe('ChordError');
      expect(error.remoteMessage).toContain(`FlowTasks.fail[${failId}] (index 1) failed: TypeError: bad member`);
      expect(error.remote.data).toMatchObject({ failedTaskId: failId, failedTask: 'FlowTasks.fail', chordIndex: 1 });
      const errback = await client.result<{ tag: string; failure: WorkflowFailure }>(errbackId).get({ timeout: TIMEOUT });
      expect(errback.tag).toBe('chord');
      expect(errback.failure).toMatchObject({ taskId: failId, task: 'FlowTasks.fail', state: 'FAILURE', error: { name: 'ChordError' } });
      await cluster.settled();
      expect(cluster.calls('total')).toBe(before);
    });

    it('calls the callback with [] when the header is empty', async () => {
      const result = await client.chord([], total()).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(0);
    });
  });

  describe('nesting', () => {
    it('a chain inside a group', async () => {
      const result = await client.group([client.chain(add(1, 1), mul(3)), add(5, 5)]).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toEqual([6, 10]);
    });

    it('a group inside a chain forms a chord with the next step', async () => {
      const result = await client.chain(add(1, 1), client.group([mul(2), mul(3)]), total()).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(10);
    });

    it('a group at the end of a chain resolves with the list of its results', async () => {
      const result = await client.chain(add(1, 1), client.group(mul(2), mul(3))).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toEqual([4, 6]);
    });

    it('a chord inside a chain', async () => {
      const result = await client.chain(add(1, 1), client.chord([mul(2), mul(3)], total()), add(100)).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(110);
    });

    it('a group inside a group, and a chain inside a chord’s header', async () => {
      const result = await client
        .group([client.group([add(1, 1), add(2, 2)]), client.chord([client.chain(add(1, 1), mul(10)), add(1, 1)], total())])
        .applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toEqual([[2, 4], 22]);
    });

    it('a failure at the start of a chain fails a chord later in it, naming the failed task', async () => {
      const before = cluster.calls('total');
      const failId = id('early');
      const result = await client.chain(fail('early').set({ taskId: failId }), client.chord([add(1, 1), add(2, 2)], total()), add(1)).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).rejects.toMatchObject({ remoteName: 'TypeError', remoteMessage: 'early', remote: { data: { failedTaskId: failId } } });
      await cluster.settled();
      expect(cluster.calls('total')).toBe(before);
    });

    it('a failure inside a chain in a chord’s header fails the chord, naming the failed step', async () => {
      const failId = id('inner');
      const result = await client.chord([add(1, 1), client.chain(add(1, 1), fail('inner').set({ taskId: failId }), mul(2))], total()).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).rejects.toMatchObject({ remoteName: 'ChordError', remote: { data: { failedTaskId: failId, chordIndex: 1 } } });
    });
  });

  describe('link and linkError', () => {
    it('applyAsync({ link }) runs the callback with the result; the errback does not run', async () => {
      const [linkId, errbackId] = [id('link'), id('errback')];
      const result = await client.applyAsync(FlowTasks, 'add', [1, 2], { link: label('linked').set({ taskId: linkId }), linkError: inspect('no', errbackId) });
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(3);
      await expect(client.result(linkId).get({ timeout: TIMEOUT })).resolves.toBe('linked:3');
      await cluster.settled();
      await expect(client.result(errbackId).state()).resolves.toBe('PENDING');
    });

    it('applyAsync({ linkError }) runs the errback with the failure', async () => {
      const errbackId = id('errback');
      const result = await client.applyAsync(FlowTasks, 'fail', [0, 'kaput'], { linkError: inspect('eb', errbackId) });
      await expect(result.get({ timeout: TIMEOUT })).rejects.toBeInstanceOf(TaskFailedError);
      const got = await client.result<{ tag: string; failure: WorkflowFailure }>(errbackId).get({ timeout: TIMEOUT });
      expect(got.tag).toBe('eb');
      expect(got.failure).toMatchObject({ taskId: result.id, task: 'FlowTasks.fail', state: 'FAILURE', error: { name: 'TypeError', message: 'kaput' } });
    });

    it('link on a signature, to a group, and an immutable errback', async () => {
      const [a, b, errbackId] = [id('a'), id('b'), id('imm')];
      const linked = client.group(label('a').set({ taskId: a }), label('b').set({ taskId: b }));
      const result = await add(20, 22).link(linked).delay();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(42);
      await expect(client.result(a).get({ timeout: TIMEOUT })).resolves.toBe('a:42');
      await expect(client.result(b).get({ timeout: TIMEOUT })).resolves.toBe('b:42');
      const failing = await fail('x').linkError(client.signature(FlowTasks, 'echo', 'immutable').immutable().set({ taskId: errbackId })).delay();
      await expect(failing.get({ timeout: TIMEOUT })).rejects.toBeInstanceOf(TaskFailedError);
      await expect(client.result(errbackId).get({ timeout: TIMEOUT })).resolves.toEqual(['immutable']);
    });

    it('a chain step’s link runs with that step’s result', async () => {
      const linkId = id('step-link');
      const result = await client.chain(add(3, 4).link(label('side').set({ taskId: linkId })), mul(2)).applyAsync();
      await expect(result.get({ timeout: TIMEOUT })).resolves.toBe(14);
      await expect(client.result(linkId).get({ timeout: TIMEOUT })).resolves.toBe('side:7');
    });
  });
});
