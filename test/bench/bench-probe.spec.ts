import { Probe } from '../../bench/child/probe';

describe('bench probe', () => {
  it('a noop hit only counts; with taskCpuUs each hit first burns that much CPU', async () => {
    const probe = new Probe();
    const done = probe.expect(3);
    probe.hit();
    expect(probe.done).toBe(1);
    probe.taskCpuUs = 3000;
    const cpuBefore = process.cpuUsage();
    probe.hit();
    probe.hit();
    const cpu = process.cpuUsage(cpuBefore);
    // It spins until the process has used that much CPU (user + system): not a wait.
    expect(cpu.user + cpu.system).toBeGreaterThanOrEqual(6000);
    await expect(done).resolves.toBeUndefined();
    expect(probe.done).toBe(3);
  });
});
