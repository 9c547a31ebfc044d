/**
 * Type-level checks of the workflow API, compiled by canvas-types.spec.ts:
 * every line under a @ts-expect-error must fail, everything else must compile.
 */
import type { Chain, Chord, Group, GroupItemOutcome, Signature, TaskClient } from '../../lib';
import { FlowTasks } from './flow.tasks';

declare const client: TaskClient;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const is = <T extends true>(): T | undefined => undefined;

export async function positives(): Promise<void> {
  const add = client.signature(FlowTasks, 'add', 1, 2);
  const addLater = client.signature(FlowTasks, 'add', 1);
  const repeatFollower = client.signature(FlowTasks, 'repeat', 3);
  const total = client.signature(FlowTasks, 'total');
  const byName = client.signature<number>('FlowTasks.add', [1, 2], { countdown: 10 });
  is<Equal<typeof add, Signature<number>>>();
  is<Equal<typeof repeatFollower, Signature<string>>>();
  is<Equal<typeof byName, Signature<number>>>();

  const chain = client.chain(add, addLater, client.signature(FlowTasks, 'label', 'x'));
  is<Equal<typeof chain, Chain<string>>>();
  const last: string = await (await chain.applyAsync()).get();

  const group = client.group([add, repeatFollower]);
  is<Equal<typeof group, Group<[number, string]>>>();
  const values: [number, string] = await (await group.applyAsync()).get();
  const outcomes: [GroupItemOutcome<number>, GroupItemOutcome<string>] = await (await group.applyAsync()).get({ propagate: false });
  const many: number[] = await (await client.group([1, 2, 3].map((i) => client.signature(FlowTasks, 'add', i, i))).applyAsync()).get();

  const chord = client.chord([add, addLater], total);
  is<Equal<typeof chord, Chord<number>>>();
  const sum: number = await (await chord.applyAsync()).get();

  await client.applyAsync(FlowTasks, 'add', [1, 2], { link: total, linkError: [client.signature(FlowTasks, 'echo')] });
  await add.set({ queue: 'q', priority: 5, immutable: true }).link(total).linkError(total).delay();
  void [last, values, outcomes, many, sum];
}

export function negatives(): void {
  // @ts-expect-error an argument of the wrong type
  client.signature(FlowTasks, 'add', 'one');
  // @ts-expect-error more arguments than parameters
  client.signature(FlowTasks, 'add', 1, 2, 3);
  // @ts-expect-error neither leading parameters ([string, number]) nor those after the first ([number])
  client.signature(FlowTasks, 'repeat', 3, 3);
  // @ts-expect-error not a method of the class
  client.signature(FlowTasks, 'nope');
  // @ts-expect-error the callback is one workflow, not a list
  client.chord([client.signature(FlowTasks, 'add', 1, 2)], [client.signature(FlowTasks, 'total')]);
  // @ts-expect-error queue is a string
  client.signature(FlowTasks, 'add', 1, 2).set({ queue: 1 });
  // @ts-expect-error a workflow step cannot take a unique key
  client.signature(FlowTasks, 'add', 1, 2).set({ uniqueKey: 'k' });
  // @ts-expect-error link takes workflows
  void client.applyAsync(FlowTasks, 'add', [1, 2], { link: 'FlowTasks.total' });
}

export async function wrongResults(): Promise<void> {
  // @ts-expect-error the chain resolves with its last step's result (a number)
  const text: string = await (await client.chain(client.signature(FlowTasks, 'label', 'x'), client.signature(FlowTasks, 'add', 1)).applyAsync()).get();
  // @ts-expect-error the group's values are [number, string]
  const pair: [string, string] = await (await client.group(client.signature(FlowTasks, 'add', 1, 2), client.signature(FlowTasks, 'repeat', 'a', 2)).applyAsync()).get();
  void [text, pair];
}
