import { BenchHelp, BenchOptionError, parseBenchOptions, SCENARIOS } from '../../bench/options';

describe('bench options', () => {
  it('defaults to the workload the issues ask for', () => {
    const options = parseBenchOptions([], {});
    expect(options).toMatchObject({ tasks: 20_000, concurrency: 50, inFlight: 100, chunk: 1000, rate: 500, duration: 10_000, rounds: 1 });
    expect([...options.only]).toEqual([...SCENARIOS]);
    expect(SCENARIOS).toEqual(expect.arrayContaining(['process', 'events', 'telemetry', 'latency', 'lateness', 'workers']));
    expect(options.libs).toEqual(['nestjs-tasks', 'bullmq']);
    expect(options.redisUrl).toBeUndefined();
    expect(options.markdown).toBeUndefined();
  });

  it('takes environment variables, and flags over them', () => {
    const env = { BENCH_TASKS: '5_000', BENCH_CONCURRENCY: '8', BENCH_ONLY: 'enqueue', REDIS_URL: 'redis://example:6380' };
    const options = parseBenchOptions(['--concurrency', '16', '--rate=250', '--markdown', 'out.md', '--libs', 'bullmq'], env);
    expect(options).toMatchObject({ tasks: 5000, concurrency: 16, rate: 250, markdown: 'out.md', redisUrl: 'redis://example:6380' });
    expect([...options.only]).toEqual(['enqueue']);
    expect(options.libs).toEqual(['bullmq']);
  });

  it('runs the new measurements alone or with others', () => {
    expect([...parseBenchOptions(['--only', 'workers'], {}).only]).toEqual(['workers']);
    expect([...parseBenchOptions([], { BENCH_ONLY: 'process,events,telemetry,workers' }).only]).toEqual(['process', 'events', 'telemetry', 'workers']);
    expect(() => parseBenchOptions(['--help'], {})).toThrow(/--only <list>\s+BENCH_ONLY, default all: [\w,]+,events,telemetry,keys,workers\n/);
  });

  it('takes the CPU of the worker-process series\' tasks in µs: 500 unless given, by flag or environment', () => {
    expect(parseBenchOptions([], {}).taskCpuUs).toBe(500);
    expect(parseBenchOptions(['--task-cpu-us', '250'], {}).taskCpuUs).toBe(250);
    expect(parseBenchOptions([], { BENCH_TASK_CPU_US: '1_000' }).taskCpuUs).toBe(1000);
    expect(() => parseBenchOptions(['--task-cpu-us', '0'], {})).toThrow(/--task-cpu-us: "0" \(expected an integer >= 1\)/);
  });

  it('keeps the libraries in their fixed order whatever order they are given in', () => {
    expect(parseBenchOptions(['--libs', 'bullmq,nestjs-tasks'], {}).libs).toEqual(['nestjs-tasks', 'bullmq']);
  });

  it.each([
    [['--tasks', 'many'], {}, /--tasks: "many" \(expected an integer >= 1\)/],
    [['--concurrency', '0'], {}, /--concurrency: "0"/],
    [[], { BENCH_RATE: '1.5' }, /BENCH_RATE: "1.5"/],
    [['--only', 'enqueue,teleport'], {}, /--only: "teleport"/],
    [[], { BENCH_LIBS: 'sidekiq' }, /BENCH_LIBS: "sidekiq"/],
    [['--fast'], {}, /argument: "--fast"/],
    [['--tasks'], {}, /--tasks: undefined \(expected a value\)/],
  ])('refuses %j %j with an error naming the option and value', (argv, env, message) => {
    expect(() => parseBenchOptions(argv, env)).toThrow(BenchOptionError);
    expect(() => parseBenchOptions(argv, env)).toThrow(message);
  });

  it('answers --help with the usage', () => {
    expect(() => parseBenchOptions(['--help'], {})).toThrow(BenchHelp);
    expect(() => parseBenchOptions(['-h'], {})).toThrow(/--tasks <n>\s+BENCH_TASKS, default 20000/);
  });
});
