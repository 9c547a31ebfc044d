import { randomUUID } from 'node:crypto';
import {
  TASK_BROKER,
  TaskArgumentError,
  TaskConfigError,
  TaskNotDecoratedError,
  type Broker,
  type TaskClient,
} from '../../lib/internal';
import { FreezeContext } from '../../lib/canvas/freeze';
import { MESSAGE_VERSION } from '../../lib/constants';
import { decodeMessage } from '../../lib/serialization/task-message';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { waitFor } from '../support/wait';
import { startCluster, type Cluster } from './cluster';
import { FlowTasks } from './flow.tasks';

class NotTasks {
  plain(a: number): number {
    return a;
  }
}

describe('workflow mistakes are refused when they are made', () => {
  let cluster: Cluster;
  let client: TaskClient;

  beforeAll(async () => {
    cluster = await startCluster({ broker: 'memory://' }, 'same-app');
    client = cluster.client;
  });
  afterAll(() => cluster?.close());

  it('refuses arguments that are not JSON, naming where', () => {
    expect(() => client.signature(FlowTasks, 'echo', { when: new Map() })).toThrow(TaskArgumentError);
    expect(() => client.signature(FlowTasks, 'echo', 1, () => 2)).toThrow(/argument 1 \(args\[1\]\) is not JSON-safe/);
    expect(() => client.signature('FlowTasks.add', 'nope' as unknown as unknown[])).toThrow(/arguments must be an array/);
  });

  it('refuses bad options on set(), naming the option', () => {
    const add = client.signature(FlowTasks, 'add', 1, 2);
    expect(() => add.set({ queue: 'has space' })).toThrow(expect.objectContaining({ name: 'TaskConfigError', option: 'queue' }));
    expect(() => add.set({ countdown: -5 })).toThrow(expect.objectContaining({ option: 'countdown' }));
    expect(() => add.set({ immutable: 'yes' as unknown as boolean })).toThrow(expect.objectContaining({ option: 'immutable' }));
    expect(() => add.set({ uniqueKey: 'k' } as never)).toThrow(expect.objectContaining({ option: 'uniqueKey' }));
    expect(() => client.signature('FlowTasks.add', [1], { priority: 12 })).toThrow(expect.objectContaining({ option: 'priority' }));
  });

  it('refuses a method that is not a task, and an empty task name', () => {
    expect(() => client.signature(NotTasks, 'plain', 1)).toThrow(TaskNotDecoratedError);
    expect(() => client.signature('')).toThrow(TaskConfigError);
  });

  it('refuses what is not a workflow, naming the place', async () => {
    const add = client.signature(FlowTasks, 'add', 1, 2);
    expect(() => (client.chain as () => unknown)()).toThrow(expect.objectContaining({ option: 'chain' }));
    expect(() => client.group([add, 42 as never])).toThrow(expect.objectContaining({ option: 'group[1]' }));
    expect(() => client.chord('header' as never, add)).toThrow(expect.objectContaining({ option: 'chord header' }));
    expect(() => client.chord([add], [add] as never)).toThrow(expect.objectContaining({ option: 'chord callback' }));
    expect(() => add.link('later' as never)).toThrow(expect.objectContaining({ option: 'link[0]' }));
    await expect(client.applyAsync(FlowTasks, 'add', [1, 2], { linkError: { task: 'x' } as never })).rejects.toMatchObject({ option: 'linkError' });
  });

  it('refuses one fixed taskId used twice in a workflow, before sending anything', async () => {
    const broker = cluster.apps[0].get<Broker>(TASK_BROKER);
    const before = await broker.queueSizes('default');
    const taskId = `same-${uniquePrefix()}`;
    const step = client.signature(FlowTasks, 'add', 1, 2).set({ taskId });
    await expect(client.group([step, step]).applyAsync()).rejects.toMatchObject({ name: 'TaskConfigError', option: 'taskId', value: taskId });
    await expect(client.result(taskId).state()).resolves.toBe('PENDING');
    expect(await broker.queueSizes('default')).toEqual(before);
  });
});

describe('decoding the workflow fields of a message', () => {
  const base = { v: MESSAGE_VERSION, id: 'm1', task: 'FlowTasks.add', args: [1], queue: 'default', sentAt: 1, retries: 0 };
  const decode = (fields: Record<string, unknown>) => () => decodeMessage(JSON.stringify({ ...base, ...fields }));

  it('accepts every shape a workflow is frozen into', async () => {
    const cluster = await startCluster({ eager: true }, 'eager');
    try {
      const { client } = cluster;
      const s = (a: number) => client.signature(FlowTasks, 'add', a);
      const workflow = client.chain(s(1), client.group(s(2), client.chain(s(3), s(4))), s(5).link(client.group(s(6), s(7))), client.chord([s(8)], s(9)));
      const spec = workflow.toSpec(new FreezeContext());
      expect(spec.kind).toBe('chain');
      const chain = spec.kind === 'chain' ? spec.steps : [];
      const chord = { id: 'c', index: 0, size: 1, body: chain[1], then: { chain: chain.slice(2) } };
      expect(decodeMessage(JSON.stringify({ ...base, chain, chord, link: [client.group(s(1)).toSpec(new FreezeContext())] })).chord).toEqual(chord);
    } finally {
      await cluster.close();
    }
  });

  it('refuses malformed ones, saying where', () => {
    expect(decode({ chain: 'next' })).toThrow('chain is not an array');
    expect(decode({ chain: [{ kind: 'group', id: 'g', members: [] }] })).toThrow('chain[0] is a group where one result is needed');
    expect(decode({ link: [{ kind: 'task', id: 'x', args: [] }] })).toThrow('link[0].task is missing');
    expect(decode({ linkError: [{ kind: 'spell' }] })).toThrow('linkError[0].kind "spell" is not a workflow step');
    expect(decode({ chord: { id: 'c', index: 0, size: 0, body: { kind: 'collect', id: 'r' } } })).toThrow('chord.size is not a positive integer');
    expect(decode({ chord: { id: 'c', index: 0, size: 1, body: { kind: 'collect', id: 'r' }, then: { chain: [{ kind: 'chord', id: 'd', header: [], body: null }] } } })).toThrow(
      'chord.then.chain[0].body is not an object',
    );
    let deep: Record<string, unknown> = { kind: 'collect', id: 'r' };
    for (let i = 0; i < 100; i++) deep = { kind: 'chain', steps: [deep] };
    expect(decode({ chain: [deep] })).toThrow(/nested deeper than 64/);
  });
});

describe('bad workflow data at the worker (Redis)', () => {
  let cluster: Cluster;
  let broker: Broker;

  beforeAll(async () => {
    cluster = await startCluster({ broker: testRedisUrl(), prefix: uniquePrefix('canvas-bad'), maxPayloadBytes: 4096 }, { workers: 1 });
    broker = cluster.apps[0].get<Broker>(TASK_BROKER);
  });
  afterAll(() => cluster?.close());

  it('dead-letters a message whose workflow fields are malformed, and keeps working', async () => {
    const id = randomUUID();
    const message = { v: MESSAGE_VERSION, id, task: 'FlowTasks.add', args: [1, 2], queue: 'default', sentAt: Date.now(), retries: 0, chord: { id: 'c', index: 5, size: 2, body: { kind: 'task' } } };
    await broker.publish([{ id, queue: 'default', body: JSON.stringify(message) }]);
    const { client } = cluster;
    await expect((await client.delay(FlowTasks, 'add', 2, 2)).get({ timeout: 10_000 })).resolves.toBe(4);
    const letter = await waitFor(async () => (await broker.deadLetters('default')).find((d) => d.id === id), 'the dead letter', 10_000);
    expect(letter.reason).toBe('chord.index is not an integer below size');
  });

  it('fails a step that cannot be sent (payload over maxPayloadBytes) and what follows it, with that error', async () => {
    const { client } = cluster;
    const nextId = `next-${uniquePrefix()}`;
    const result = await client
      .chain(client.signature(FlowTasks, 'big', 10_000), client.signature(FlowTasks, 'label', 'too big').set({ taskId: nextId }), client.signature(FlowTasks, 'label', 'last'))
      .applyAsync();
    await expect(result.get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'PayloadTooLargeError', remote: { data: { failedTaskId: nextId } } });
    await expect(client.result(nextId).get({ timeout: 10_000 })).rejects.toMatchObject({ remoteName: 'PayloadTooLargeError' });
    await expect((await client.delay(FlowTasks, 'add', 3, 3)).get({ timeout: 10_000 })).resolves.toBe(6);
    expect(cluster.calls('label')).toBe(0);
  });
});
