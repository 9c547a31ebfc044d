import type { Redis } from 'ioredis';
import { TaskEventBus, TaskFailedError, type TaskEvent } from '../../lib/internal';
import { retryDelay } from '../../lib/execution/retry-policy';
import { recordForOutcome } from '../../lib/execution/outcome-records';
import type { ExecutionOutcome } from '../../lib/execution/execution-outcome';
import { ReliabilityTasks } from '../fixtures/reliability-tasks';
import { testRedisUrl, uniquePrefix } from '../support/redis-url';
import { Harness, readMarks, readResult, waitFor, type InProcessWorker } from './harness';

/**
 * Retries against real Redis: every retry goes through the delayed set and back.
 * Delays are read from the `retried` events (eta) and from the throw time the task
 * puts in its error message, so exact delays are checked to a few ms.
 */
describe('retries', () => {
  const harness = new Harness();
  const prefix = uniquePrefix('rel-retry');
  let w: InProcessWorker;
  let redis: Redis;
  const retried: TaskEvent[] = [];

  beforeAll(async () => {
    w = await harness.worker({ broker: testRedisUrl(), prefix }, { concurrency: 8 });
    w.app.get(TaskEventBus).subscribe((event) => {
      if (event.type === 'retried') retried.push(event);
    });
    redis = harness.redis(testRedisUrl());
  });
  afterAll(() => harness.closeAll());

  const marks = (key: string) => readMarks(redis, prefix, key);
  const failure = async (get: Promise<unknown>): Promise<TaskFailedError> => {
    const error = await get.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TaskFailedError);
    return error as TaskFailedError;
  };
  /** The delays the worker chose for one task: eta minus the time the task threw. */
  const delaysOf = (id: string) =>
    retried.filter((e) => e.taskId === id).map((e) => e.eta! - Number(/thrown at (\d+)/.exec(e.error!.message)?.[1] ?? NaN));

  it('maxRetries: 0 runs once and keeps the error with 0 retries', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'failsNoRetry', 'no-retry');
    const error = await failure(result.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('Error');
    expect(error.remoteMessage).toBe('failed once and for all');
    expect(await marks('no-retry')).toHaveLength(1);
    expect(await result.info()).toMatchObject({ state: 'FAILURE', retries: 0 });
  });

  it('maxRetries defaults to 3 (forRoot defaults); the final error is the last attempt, with the retry count', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'failsWithDefaults', 'defaults');
    const error = await failure(result.get({ timeout: 10_000 }));
    expect(error.remoteMessage).toBe('attempt 4 failed');
    expect((await marks('defaults')).map((m) => m.retries)).toEqual([0, 1, 2, 3]);
    expect(await result.info()).toMatchObject({ state: 'FAILURE', retries: 3 });
  });

  it('forRoot({ defaults: { maxRetries } }) changes the default for every task', async () => {
    const other = uniquePrefix('rel-retry-defaults');
    const app = await harness.worker({ broker: testRedisUrl(), prefix: other, defaults: { maxRetries: 1 } }, { concurrency: 2 });
    const result = await app.client.delay(ReliabilityTasks, 'failsWithDefaults', 'defaults-1');
    const error = await failure(result.get({ timeout: 10_000 }));
    expect(error.remoteMessage).toBe('attempt 2 failed');
    expect(await readMarks(redis, other, 'defaults-1')).toHaveLength(2);
    expect(await result.info()).toMatchObject({ state: 'FAILURE', retries: 1 });
    await harness.close(app.app);
  });

  it('a task that fails then works succeeds within maxRetries', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'failsTwiceThenWorks', 'then-works', 2);
    await expect(result.get({ timeout: 10_000 })).resolves.toBe('ok after 2 retries');
    expect(await marks('then-works')).toHaveLength(3);
    expect(await result.info()).toMatchObject({ state: 'SUCCESS', retries: 2 });
  });

  it("an attempt's RETRY record that lands late (sent again after a lost reply, or from a duplicate delivery) never hides the final result", async () => {
    const result = await w.client.delay(ReliabilityTasks, 'failsTwiceThenWorks', 'late-retry', 1);
    await expect(result.get({ timeout: 10_000 })).resolves.toBe('ok after 1 retries');
    // The write the worker made when the first attempt failed, as it would arrive now.
    const first = { v: 1, id: result.id, task: 'ReliabilityTasks.failsTwiceThenWorks', args: [], queue: 'default', sentAt: 0, retries: 0 };
    const outcome: ExecutionOutcome = { kind: 'retry', error: { name: 'TransientError', message: 'late' }, eta: Date.now() + 1000, message: { ...first, retries: 1 }, startedAt: Date.now() };
    const late = recordForOutcome(first, outcome, 60_000, 'w');
    await harness.broker(w.app).storeResults([late!]);
    expect(await result.info()).toMatchObject({ state: 'SUCCESS', retries: 1 });
    expect(await readResult(redis, prefix, result.id)).toMatchObject({ state: 'SUCCESS', result: 'ok after 1 retries' });
  });

  it('retryDelay waits that long between attempts', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'fixedDelay', 'fixed');
    await failure(result.get({ timeout: 15_000 }));
    const runs = await marks('fixed');
    expect(runs).toHaveLength(3);
    for (const delay of delaysOf(result.id)) {
      expect(delay).toBeGreaterThanOrEqual(600);
      expect(delay).toBeLessThan(700);
    }
    expect(delaysOf(result.id)).toHaveLength(2);
    // The next run never starts before its eta.
    const etas = retried.filter((e) => e.taskId === result.id).map((e) => e.eta!);
    expect(runs[1].at).toBeGreaterThanOrEqual(etas[0]);
    expect(runs[2].at).toBeGreaterThanOrEqual(etas[1]);
  });

  it('retryBackoff without jitter: exactly retryDelay * 2^n, capped by retryBackoffMax', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'backoffExact', 'backoff');
    const error = await failure(result.get({ timeout: 15_000 }));
    expect(error.remoteMessage).toMatch(/^attempt 5 failed/);
    const delays = delaysOf(result.id);
    const expected = [150, 300, 500, 500]; // 150 * 2^n, and 600, 1200 capped at 500
    expect(delays).toHaveLength(4);
    delays.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(expected[n]);
      // Only microtasks run between the throw and the decision: a loaded machine still adds little.
      expect(delay).toBeLessThan(expected[n] + 100);
    });
    const runs = await marks('backoff');
    for (let n = 1; n < runs.length; n++) expect(runs[n].at - runs[n - 1].at).toBeGreaterThanOrEqual(expected[n - 1]);
  });

  it('retryBackoff with jitter (the default): each delay drawn in [0, delay], not always the full delay', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'backoffJitter', 'jitter');
    await failure(result.get({ timeout: 15_000 }));
    const delays = delaysOf(result.id);
    const caps = [100, 200, 400, 400, 400, 400];
    expect(delays).toHaveLength(6);
    delays.forEach((delay, n) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(caps[n] + 100);
    });
    // Six draws all in the top fifth of their range: one chance in 15,000.
    expect(delays.some((delay, n) => delay < caps[n] * 0.8)).toBe(true);
  });

  it('the delay formula: uniform in [0, capped delay] with jitter, exact without', () => {
    const options = { retryBackoff: true, retryDelay: 1000, retryBackoffMax: 5000 };
    expect([0, 1, 2, 3, 4].map((n) => retryDelay({ ...options, retryJitter: false }, n))).toEqual([1000, 2000, 4000, 5000, 5000]);
    expect(retryDelay(options, 2, () => 0)).toBe(0);
    expect(retryDelay(options, 2, () => 0.5)).toBe(2000);
    expect(retryDelay(options, 2, () => 0.999_999)).toBe(4000);
    expect(retryDelay(options, 9, () => 0.999_999)).toBe(5000);
    expect(retryDelay({ retryDelay: 700 }, 5)).toBe(700);
    expect(retryDelay({}, 0)).toBe(1000);
  });

  it('autoretryFor retries only those classes and their subclasses', async () => {
    const [transient, glitch, permanent, bug] = await Promise.all(
      (['transient', 'glitch', 'permanent', 'type'] as const).map((kind) =>
        w.client.delay(ReliabilityTasks, 'autoretryOnlyTransient', `auto-${kind}`, kind),
      ),
    );
    await expect(transient.get({ timeout: 10_000 })).resolves.toBe('recovered from transient');
    await expect(glitch.get({ timeout: 10_000 })).resolves.toBe('recovered from glitch');
    expect((await failure(permanent.get({ timeout: 10_000 }))).remoteName).toBe('PermanentError');
    expect((await failure(bug.get({ timeout: 10_000 }))).remoteName).toBe('TypeError');
    expect(await marks('auto-transient')).toHaveLength(2);
    expect(await marks('auto-glitch')).toHaveLength(2);
    expect(await marks('auto-permanent')).toHaveLength(1);
    expect(await marks('auto-type')).toHaveLength(1);
    expect(await permanent.info()).toMatchObject({ state: 'FAILURE', retries: 0 });
  });

  it('dontAutoretryFor excludes a class; NonRetryableError is never retried', async () => {
    const permanent = await w.client.delay(ReliabilityTasks, 'autoretryButPermanent', 'dont-permanent', 'permanent');
    const transient = await w.client.delay(ReliabilityTasks, 'autoretryButPermanent', 'dont-transient', 'transient');
    const declined = await w.client.delay(ReliabilityTasks, 'nonRetryable', 'non-retryable');
    expect((await failure(permanent.get({ timeout: 10_000 }))).remoteName).toBe('PermanentError');
    await expect(transient.get({ timeout: 10_000 })).resolves.toBe('recovered from transient');
    const error = await failure(declined.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('NonRetryableError');
    expect(error.remoteMessage).toBe('the card was declined');
    expect(await marks('dont-permanent')).toHaveLength(1);
    expect(await marks('dont-transient')).toHaveLength(2);
    expect(await marks('non-retryable')).toHaveLength(1);
  });

  it('currentTask().retry({ countdown, cause }) retries; past maxRetries it fails with MaxRetriesExceededError and the cause', async () => {
    const recovers = await w.client.delay(ReliabilityTasks, 'chargeCustomer', 'charge-ok', 1);
    const givesUp = await w.client.delay(ReliabilityTasks, 'chargeCustomer', 'charge-fail', 99);
    await expect(recovers.get({ timeout: 10_000 })).resolves.toBe('charged after 1 retries');
    const error = await failure(givesUp.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('MaxRetriesExceededError');
    expect(error.remoteMessage).toContain('exceeded its 2 retries');
    expect(error.remoteStack).toContain('Caused by: PaymentError: gateway timeout on attempt 2');
    expect((await marks('charge-fail')).map((m) => m.retries)).toEqual([0, 1, 2]);
    expect(await givesUp.info()).toMatchObject({ state: 'FAILURE', retries: 2 });
    // While it waited, each retry recorded the payment error as the reason.
    const reasons = retried.filter((e) => e.taskId === givesUp.id).map((e) => `${e.error!.name}: ${e.error!.message}`);
    expect(reasons).toEqual(['PaymentError: gateway timeout on attempt 0', 'PaymentError: gateway timeout on attempt 1']);
  });

  it('retry({ maxRetries }) overrides the task limit; retry({ eta }) waits until then', async () => {
    const limited = await w.client.delay(ReliabilityTasks, 'retryWithOwnLimit', 'own-limit');
    const atEta = await w.client.delay(ReliabilityTasks, 'retryAtEta', 'at-eta', 700);
    const error = await failure(limited.get({ timeout: 10_000 }));
    expect(error.remoteName).toBe('MaxRetriesExceededError');
    expect(error.remoteMessage).toContain('exceeded its 1 retries');
    expect(error.remoteStack).toContain('Caused by: PaymentError: still down');
    expect(await marks('own-limit')).toHaveLength(2);
    await expect(atEta.get({ timeout: 10_000 })).resolves.toBe(1);
    const runs = await marks('at-eta');
    expect(runs).toHaveLength(2);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(700);
  });

  it('a task waiting for its retry is in state RETRY, with the error and eta; currentTask().retries counts', async () => {
    const result = await w.client.delay(ReliabilityTasks, 'slowRetry', 'slow-retry');
    const waiting = await waitFor(async () => {
      const record = await readResult(redis, prefix, result.id);
      return record?.state === 'RETRY' ? record : null;
    }, 'the RETRY state');
    expect(await result.state()).toBe('RETRY');
    expect(waiting.error).toMatchObject({ name: 'TransientError', message: 'first run fails' });
    expect(waiting.eta).toBeGreaterThanOrEqual(waiting.startedAt! + 1500);
    expect(await result.ready()).toBe(false);
    await expect(result.get({ timeout: 10_000 })).resolves.toEqual({ retries: 1 });
    expect(await result.info()).toMatchObject({ state: 'SUCCESS', retries: 1 });
    const runs = await marks('slow-retry');
    expect(runs.map((m) => m.retries)).toEqual([0, 1]);
    expect(runs[1].at - runs[0].at).toBeGreaterThanOrEqual(1500);
  });
});
