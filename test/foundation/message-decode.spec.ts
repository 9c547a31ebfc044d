import { MessageDecodeError } from '../../lib';
import { decodeMessage } from '../../lib/serialization/task-message';

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
