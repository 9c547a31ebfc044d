import { MessageDecodeError } from '../../lib';
import {
  CeleryEnvelopeError,
  assertValidCeleryEnvelope,
  decodeCeleryMessage,
  encodeCeleryMessage,
  type CeleryEnvelope,
} from '../../lib/serialization/celery/celery-message';
import { celeryListFor, celeryQueueLists, fromCeleryPriority, toCeleryPriority } from '../../lib/serialization/celery/celery-priority';
import { fromCeleryMeta, toCeleryMeta } from '../../lib/serialization/celery/celery-result';
import { encodeCeleryRevoke, parseCeleryRevoke } from '../../lib/serialization/celery/celery-control';
import { decodeMessage, encodeMessage } from '../../lib/serialization/task-message';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

function v2(headers: Record<string, unknown>, body: unknown, properties: Record<string, unknown> = {}): string {
  return JSON.stringify({
    body: b64(body),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { lang: 'py', retries: 0, root_id: headers.id, parent_id: null, ...headers },
    properties: { delivery_info: { exchange: '', routing_key: 'legacy' }, priority: 0, body_encoding: 'base64', delivery_tag: 'tag-1', ...properties },
  });
}

describe('Celery codec (lib/serialization/celery)', () => {
  it('reads a protocol-2 message: args, kwargs, eta, expires, retries, priority, embed, kombu tags as ISO strings', () => {
    const raw = v2(
      { task: 'billing.charge', id: 'id-1', eta: '2026-12-01T05:46:34.616607+00:00', expires: '2026-12-01T05:48:04.616607+00:00', retries: 2 },
      [[7, { __type__: 'datetime', __value__: '2026-12-01T05:00:00+00:00' }], { currency: 'EUR' }, { callbacks: [{ task: 'a.b', args: [], kwargs: {}, options: {} }], errbacks: null, chain: null, chord: null }],
      { priority: 8 },
    );
    const { message, delivery } = decodeCeleryMessage(raw, 'legacy');
    expect(message).toMatchObject({ id: 'id-1', task: 'billing.charge', args: [7, '2026-12-01T05:00:00+00:00'], kwargs: { currency: 'EUR' }, queue: 'legacy', retries: 2, priority: 1 });
    expect(message.eta).toBe(Date.parse('2026-12-01T05:46:34.616Z'));
    expect(message.expires).toBe(Date.parse('2026-12-01T05:48:04.616Z'));
    expect(delivery).toMatchObject({ tag: 'tag-1', protocol: 2, rootId: 'id-1', ignoreResult: false });
    expect(delivery.embed.callbacks).toHaveLength(1);
    // What the worker gets is a native message that our own decoder accepts.
    expect(decodeMessage(encodeMessage(message), message)).toEqual(message);
  });

  it('reads a protocol-1 message (naive eta is UTC)', () => {
    const raw = JSON.stringify({
      body: b64({ task: 'proj.add', id: 'id-2', args: [1, 2], kwargs: {}, retries: 0, eta: '2026-12-01T05:46:34', expires: null, utc: true, callbacks: null, errbacks: null, chord: null }),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: {},
      properties: { delivery_info: { exchange: '', routing_key: 'legacy' }, body_encoding: 'base64', delivery_tag: 'tag-2' },
    });
    const { message, delivery } = decodeCeleryMessage(raw, 'legacy');
    expect(delivery.protocol).toBe(1);
    expect(message).toMatchObject({ id: 'id-2', task: 'proj.add', args: [1, 2], eta: Date.parse('2026-12-01T05:46:34Z') });
    expect(message.kwargs).toBeUndefined();
  });

  it.each<[string, string, RegExp]>([
    ['pickle', JSON.stringify({ body: 'gASV', 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', headers: { task: 't', id: 'x' }, properties: { delivery_tag: 't', body_encoding: 'base64' } }), /pickle message refused/],
    ['not JSON', 'garbage', /not JSON/],
    ['a 2-element body', v2({ task: 't', id: 'x' }, [[], {}]), /not \[args, kwargs, embed\]/],
    ['no delivery tag', v2({ task: 't', id: 'x' }, [[], {}, {}], { delivery_tag: undefined }), /delivery_tag/],
    ['args not a list', v2({ task: 't', id: 'x' }, [{}, {}, {}]), /args is not a list/],
  ])('refuses %s with a reason', (_what, raw, reason) => {
    expect(() => decodeCeleryMessage(raw, 'legacy')).toThrow(MessageDecodeError);
    expect(() => decodeCeleryMessage(raw, 'legacy')).toThrow(reason);
  });

  it('writes a valid protocol-2 envelope that reads back', () => {
    const eta = Date.parse('2026-12-01T10:00:00.123Z');
    const raw = encodeCeleryMessage({ id: 'id-3', task: 'reports.render', args: [5], queue: 'legacy', eta, priority: 2, chain: [{ task: 'x', args: [], kwargs: {}, options: {} }] });
    const envelope = JSON.parse(raw) as CeleryEnvelope;
    expect(envelope.headers).toMatchObject({ task: 'reports.render', id: 'id-3', eta: '2026-12-01T10:00:00.123000+00:00', expires: null, root_id: 'id-3', retries: 0 });
    expect(envelope.properties).toMatchObject({ priority: 2, body_encoding: 'base64', delivery_info: { exchange: '', routing_key: 'legacy' } });
    const { message, delivery } = decodeCeleryMessage(raw, 'legacy');
    expect(message).toMatchObject({ id: 'id-3', args: [5], eta, priority: 7 });
    expect(delivery.embed.chain).toEqual([{ task: 'x', args: [], kwargs: {}, options: {} }]);
  });

  it.each<[string, (e: CeleryEnvelope) => void, RegExp]>([
    ['missing headers.id', (e) => delete e.headers.id, /headers\.id/],
    ['missing content-type', (e) => ((e as unknown as Record<string, unknown>)['content-type'] = undefined), /content-type/],
    ['missing delivery_info', (e) => ((e.properties as Record<string, unknown>).delivery_info = undefined), /delivery_info/],
    ['missing delivery_tag', (e) => ((e.properties as Record<string, unknown>).delivery_tag = ''), /delivery_tag/],
    ['a 2-element body', (e) => (e.body = b64([[], {}])), /\[args, kwargs, embed\]/],
    ['a bad eta', (e) => (e.headers.eta = 'tomorrow'), /eta/],
  ])('validation refuses an envelope with %s', (_what, spoil, reason) => {
    const envelope = JSON.parse(encodeCeleryMessage({ id: 'i', task: 't', args: [], queue: 'q' })) as CeleryEnvelope;
    spoil(envelope);
    expect(() => assertValidCeleryEnvelope(envelope)).toThrow(CeleryEnvelopeError);
    expect(() => assertValidCeleryEnvelope(envelope)).toThrow(reason);
  });

  it("maps priorities onto Celery's inverted buckets", () => {
    expect(celeryQueueLists('q')).toEqual(['q', 'q\x06\x163', 'q\x06\x166', 'q\x06\x169']);
    expect([9, 7, 6, 4, 3, 1].map((ours) => celeryListFor('q', toCeleryPriority(ours)))).toEqual([
      'q', 'q', 'q\x06\x163', 'q\x06\x163', 'q\x06\x166', 'q\x06\x166',
    ]);
    // No priority (ours defaults to 0) is Celery's default, as a Python producer sends it.
    expect(toCeleryPriority(0)).toBeUndefined();
    expect(celeryListFor('q', toCeleryPriority(undefined))).toBe('q');
    expect(celeryListFor('q', 9)).toBe('q\x06\x169');
    expect(celeryListFor('q', undefined)).toBe('q');
    expect(fromCeleryPriority(0)).toBe(9);
    expect(fromCeleryPriority(9)).toBe(0);
  });

  it('result records both ways', () => {
    const failure = toCeleryMeta({ id: 'r', state: 'FAILURE', task: 't', error: { name: 'PaymentDeclined', message: 'card refused', stack: 'PaymentDeclined: card refused\n  at x' } });
    expect(failure).toMatchObject({ status: 'FAILURE', task_id: 'r', result: { exc_type: 'PaymentDeclined', exc_message: ['card refused'], exc_module: null } });
    const expired = toCeleryMeta({ id: 'r', state: 'REVOKED', reason: 'expired at 2026 before it started' });
    expect(expired?.result).toEqual({ exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' });
    expect(toCeleryMeta({ id: 'r', state: 'STARTED' })).toBeNull();
    const back = fromCeleryMeta('r', JSON.stringify({ status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['boom', 42], exc_module: 'builtins' }, traceback: 'Traceback...', task_id: 'r' }));
    expect(back).toMatchObject({ state: 'FAILURE', error: { name: 'ValueError', message: 'boom, 42', stack: 'Traceback...' } });
    expect(fromCeleryMeta('r', JSON.stringify({ status: 'SUCCESS', result: 42, task_id: 'r' }))).toMatchObject({ state: 'SUCCESS', result: 42 });
    expect(fromCeleryMeta('r', 'nope')).toBeNull();
  });

  it("pidbox revoke: reads Celery's, writes one Celery reads, and does not read its own back", () => {
    // As captured from app.control.revoke('abc-123', terminate=True) (kombu 5.2.4).
    const celerys = JSON.stringify({
      body: 'eyJtZXRob2QiOiAicmV2b2tlIiwgImFyZ3VtZW50cyI6IHsidGFza19pZCI6ICJhYmMtMTIzIiwgInRlcm1pbmF0ZSI6IHRydWUsICJzaWduYWwiOiBudWxsfSwgImRlc3RpbmF0aW9uIjogbnVsbCwgInBhdHRlcm4iOiBudWxsLCAibWF0Y2hlciI6IG51bGx9',
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: 1, expires: 0 },
      properties: { delivery_mode: 2, delivery_info: { exchange: 'celery.pidbox', routing_key: '' }, priority: 0, body_encoding: 'base64', delivery_tag: 'df15' },
    });
    expect(parseCeleryRevoke(celerys)).toEqual({ ids: ['abc-123'], terminate: true });
    const ours = JSON.parse(encodeCeleryRevoke({ ids: ['a', 'b'], terminate: false })) as { body: string; headers: Record<string, unknown> };
    expect(JSON.parse(Buffer.from(ours.body, 'base64').toString())).toEqual({ method: 'revoke', arguments: { task_id: ['a', 'b'], terminate: false, signal: null }, destination: null, pattern: null, matcher: null });
    expect(parseCeleryRevoke(JSON.stringify(ours))).toBeNull();
    expect(parseCeleryRevoke(JSON.stringify({ body: Buffer.from('{"method":"ping"}').toString('base64'), properties: { body_encoding: 'base64' } }))).toBeNull();
  });
});
