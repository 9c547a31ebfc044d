import { MessageDecodeError } from '../../lib';
import { decodeMessage, encodeMessage, encodeMessageJson } from '../../lib/serialization/task-message';

const valid = { v: 1, id: 'a', task: 'T.t', args: [], queue: 'default', sentAt: 1, retries: 0 };

describe('decodeMessage', () => {
  it('accepts a well-formed message with its optional numbers', () => {
    const message = decodeMessage(JSON.stringify({ ...valid, eta: 5, expires: 9, priority: 9, resultExpires: 1, maxRetries: 0 }));
    expect(message).toMatchObject({ id: 'a', priority: 9, resultExpires: 1 });
  });

  it('keeps the trace context fields as they are (an unreadable traceparent is ignored by telemetry, not refused)', () => {
    const trace = { traceparent: 'not-a-traceparent', tracestate: 'k=v', retriedFrom: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(decodeMessage(JSON.stringify({ ...valid, ...trace }))).toMatchObject(trace);
  });

  it.each([
    ['resultExpires', 0, /resultExpires is below 1 ms/],
    // eslint-disable-next-line no-loss-of-precision -- an out-of-range number is the input under test
    ['resultExpires', 1e999, /resultExpires is not a finite/],
    ['eta', -1, /eta is not a finite/],
    ['expires', 'soon', /expires is not a finite/],
    ['priority', 10, /priority is not an integer from 0 to 9/],
    ['priority', 1.5, /priority is not an integer/],
    ['maxRetries', -1, /maxRetries is not a non-negative integer/],
    ['traceparent', 7, /traceparent is not a string/],
    ['tracestate', 1, /tracestate is not a string/],
    ['retriedFrom', 2, /retriedFrom is not a string/],
  ])('refuses %s = %p', (key, value, reason) => {
    // 1e999 becomes Infinity, which JSON writes as null: build the raw text by hand.
    const raw = JSON.stringify({ ...valid, [key]: '__VALUE__' }).replace('"__VALUE__"', typeof value === 'string' ? `"${value}"` : String(value === Infinity ? '1e999' : value));
    expect(() => decodeMessage(raw)).toThrow(MessageDecodeError);
    expect(() => decodeMessage(raw)).toThrow(reason);
  });
});

describe('the compact body a queue stores (encodeMessage)', () => {
  const at = { id: '8baf5294-175a-4fec-bd11-499cc23e5742', queue: 'emails' };
  const base = { v: 1, ...at, task: 'bench.noop', args: [78537], sentAt: 1796131262761, retries: 0 };

  it('leaves out what the storage says (id, queue, version, retries 0): 30 characters for a noop', () => {
    const body = encodeMessage(base);
    expect(body).toBe(`2${(1796131262761).toString(36)}|bench.noop|7|[78537]`);
    expect(body).not.toContain(at.id);
    expect(decodeMessage(body, at)).toEqual(base);
  });

  it('round-trips every other field, arguments with separators and non-ASCII text, and task names with a |', () => {
    const full = {
      ...base,
      task: 'odd|name',
      args: ['a|b', { '|': '2|' }, 'zürich ✓', [1, null, true]],
      kwargs: { currency: 'EUR' },
      eta: 5,
      expires: 9,
      retries: 3,
      priority: 7,
      ignoreResult: false,
      resultExpires: 1000,
      maxRetries: 4,
      link: [{ kind: 'task' as const, id: 'next-1', task: 'T.next', args: ['x|y'] }],
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      concurrency: { key: 'acct|1', limit: 2 },
    };
    expect(decodeMessage(encodeMessage(full as never), at)).toEqual(full);
  });

  it('writes no tail for fields left undefined, and only the defined ones beside them', () => {
    expect(encodeMessage({ ...base, eta: undefined, priority: undefined } as never)).toBe(encodeMessage(base));
    expect(encodeMessage({ ...base, eta: undefined, priority: 3, retries: 2 } as never)).toMatch(/\]\{"priority":3,"retries":2\}$/);
  });

  it('keeps unknown extra fields (a rate-limit ticket) in its tail', () => {
    const withTicket = { ...base, rateTicket: { slot: 5, issued: 4 } } as never;
    expect(decodeMessage(encodeMessage(withTicket), at)).toEqual(withTicket);
  });

  it('needs to know where it was stored, and refuses what is not one', () => {
    const body = encodeMessage(base);
    expect(() => decodeMessage(body)).toThrow(/compact message read without the id and queue/);
    expect(() => decodeMessage('2abc|T.t', at)).toThrow(MessageDecodeError);
    expect(() => decodeMessage('2abc|T.t|zz|[1]', at)).toThrow(/args run past the end/);
    expect(() => decodeMessage('2abc|T.t|3|[1}', at)).toThrow(/not JSON/);
    expect(() => decodeMessage('2abc|T.t|3|[1][]', at)).toThrow(/fields after args are not a JSON object/);
    expect(() => decodeMessage('2a_c|T.t|3|[1]', at)).toThrow(/missing sentAt/);
    expect(() => decodeMessage('2abc||3|[1]', at)).toThrow(/missing task name/);
    expect(() => decodeMessage('2abc|T.t|3|[1]{"priority":12}', at)).toThrow(/priority is not an integer from 0 to 9/);
  });

  it('still reads a whole-JSON body (0.2 and earlier), which names its own id and queue', () => {
    expect(decodeMessage(JSON.stringify(base))).toEqual(base);
    expect(decodeMessage(encodeMessageJson(base), { id: 'ignored', queue: 'ignored' })).toEqual(base);
  });
});
