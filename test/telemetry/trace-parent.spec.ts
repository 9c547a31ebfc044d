import { formatTraceParent, parseTraceParent } from '../../lib/telemetry/trace-parent';

describe('traceparent in the message', () => {
  const header = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

  it('writes and reads the W3C version-00 form', () => {
    const parsed = parseTraceParent(header);
    expect(parsed).toEqual({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
    expect(formatTraceParent(parsed!)).toBe(header);
    expect(formatTraceParent({ ...parsed!, traceFlags: 0 })).toBe(header.replace(/01$/, '00'));
  });

  it.each([
    ['not a string', 42],
    ['another version', header.replace(/^00/, '01')],
    ['upper-case hex', header.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`],
    ['an all-zero span id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['a short span id', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b71692033-01'],
  ])('ignores %s', (_what, value) => {
    expect(parseTraceParent(value)).toBeNull();
  });
});
