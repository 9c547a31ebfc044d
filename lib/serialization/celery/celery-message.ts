import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { MESSAGE_VERSION } from '../../constants';
import { MessageDecodeError, NestTasksError } from '../../errors';
import type { TaskMessage } from '../task-message';
import { untagKombu } from './kombu-json';
import { fromCeleryPriority } from './celery-priority';

/** Celery's signature as it travels in `embed` (callbacks, errbacks, chain). */
export interface CelerySignature {
  task: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  options?: Record<string, unknown>;
  subtask_type?: string | null;
  immutable?: boolean;
}

/** The third element of a protocol-2 body. */
export interface CeleryEmbed {
  callbacks: CelerySignature[] | null;
  errbacks: CelerySignature[] | null;
  chain: CelerySignature[] | null;
  chord: unknown;
}

/** What the Redis transport keeps of a Celery message it holds, beside our TaskMessage. */
export interface CeleryDelivery {
  /** The envelope as it was popped (restored and republished from it). */
  envelope: CeleryEnvelope;
  /** kombu's delivery tag: the field in `unacked` and the member of `unacked_index`. */
  tag: string;
  protocol: 1 | 2;
  id: string;
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  rootId: string;
  parentId: string | null;
  groupId: string | null;
  embed: CeleryEmbed;
  ignoreResult: boolean;
  retries: number;
  /** Not before, ms. */
  eta?: number;
  /** Not after, ms. */
  expires?: number;
}

/** A kombu message on Redis (JSON, LPUSHed). */
export interface CeleryEnvelope {
  body: string;
  'content-encoding': string;
  'content-type': string;
  headers: Record<string, unknown>;
  properties: {
    correlation_id?: string;
    reply_to?: string;
    delivery_mode?: number;
    delivery_info: { exchange: string; routing_key: string; redelivered?: boolean };
    priority?: number;
    body_encoding?: string;
    delivery_tag: string;
  } & Record<string, unknown>;
}

/** A Celery message we refuse to build: it would crash or confuse a Celery worker. */
export class CeleryEnvelopeError extends NestTasksError {}

const PICKLE = 'application/x-python-serialize';

/**
 * Reads a Celery message (protocol 2, or 1) popped from `queue`. Throws MessageDecodeError
 * with the reason when it cannot be run (pickle, not JSON, a shape Celery does not write).
 */
export function decodeCeleryMessage(raw: string, queue: string): { message: TaskMessage; delivery: CeleryDelivery } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new MessageDecodeError(`not a kombu message: not JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new MessageDecodeError('not a kombu message: not a JSON object');
  const envelope = parsed as unknown as CeleryEnvelope;
  const contentType = envelope['content-type'];
  if (contentType === PICKLE) {
    throw new MessageDecodeError(`pickle message refused (content-type ${PICKLE}): only JSON is read; set task_serializer='json' on the producer`);
  }
  if (contentType !== 'application/json') throw new MessageDecodeError(`unsupported content-type ${JSON.stringify(contentType)}: only application/json is read`);
  const properties = isObject(envelope.properties) ? envelope.properties : undefined;
  const tag = properties?.delivery_tag;
  if (typeof tag !== 'string' || tag === '') throw new MessageDecodeError('missing properties.delivery_tag');
  let text: string;
  if (typeof envelope.body !== 'string') throw new MessageDecodeError('body is not a string');
  if (properties?.body_encoding === 'base64') text = Buffer.from(envelope.body, 'base64').toString('utf8');
  else if (properties?.body_encoding === undefined || properties.body_encoding === null) text = envelope.body;
  else throw new MessageDecodeError(`unsupported body_encoding ${JSON.stringify(properties.body_encoding)}`);
  let body: unknown;
  try {
    body = untagKombu(JSON.parse(text));
  } catch (error) {
    throw new MessageDecodeError(`body is not JSON: ${(error as Error).message}`);
  }
  const headers = isObject(envelope.headers) ? (untagKombu(envelope.headers) as Record<string, unknown>) : {};
  let delivery: CeleryDelivery;
  if (typeof headers.task === 'string' && headers.id !== undefined) {
    // Protocol 2: the task in the headers, the body [args, kwargs, embed].
    if (!Array.isArray(body) || body.length !== 3) throw new MessageDecodeError('protocol 2 body is not [args, kwargs, embed]');
    const [args, kwargs, embed] = body as [unknown, unknown, unknown];
    delivery = {
      envelope,
      tag,
      protocol: 2,
      id: requireString(headers.id, 'headers.id'),
      task: requireString(headers.task, 'headers.task'),
      args: requireArray(args, 'args'),
      kwargs: requireObject(kwargs ?? {}, 'kwargs'),
      rootId: optionalString(headers.root_id) ?? String(headers.id),
      parentId: optionalString(headers.parent_id) ?? null,
      groupId: optionalString(headers.group) ?? null,
      embed: readEmbed(embed),
      ignoreResult: headers.ignore_result === true,
      retries: readRetries(headers.retries),
      eta: readTime(headers.eta, 'eta'),
      expires: readTime(headers.expires, 'expires'),
    };
  } else if (isObject(body) && typeof body.task === 'string') {
    // Protocol 1: everything in the body.
    const id = requireString(body.id, 'id');
    delivery = {
      envelope,
      tag,
      protocol: 1,
      id,
      task: body.task,
      args: requireArray(body.args ?? [], 'args'),
      kwargs: requireObject(body.kwargs ?? {}, 'kwargs'),
      rootId: id,
      parentId: null,
      groupId: optionalString(body.taskset) ?? optionalString(body.group) ?? null,
      embed: { callbacks: readSignatures(body.callbacks, 'callbacks'), errbacks: readSignatures(body.errbacks, 'errbacks'), chain: null, chord: body.chord ?? null },
      ignoreResult: false,
      retries: readRetries(body.retries),
      eta: readTime(body.eta, 'eta', body.utc !== false),
      expires: readTime(body.expires, 'expires', body.utc !== false),
    };
  } else {
    throw new MessageDecodeError('not a Celery task message: no task name in headers (protocol 2) or body (protocol 1)');
  }
  const message: TaskMessage = {
    v: MESSAGE_VERSION,
    id: delivery.id,
    task: delivery.task,
    args: delivery.args,
    queue,
    sentAt: Date.now(),
    retries: delivery.retries,
  };
  if (Object.keys(delivery.kwargs).length > 0) message.kwargs = delivery.kwargs;
  if (delivery.eta !== undefined) message.eta = delivery.eta;
  if (delivery.expires !== undefined) message.expires = delivery.expires;
  const priority = fromCeleryPriority(properties?.priority);
  if (priority !== undefined) message.priority = priority;
  return { message, delivery };
}

/** What a protocol-2 message says; everything else is filled in. */
export interface CeleryMessageSpec {
  id: string;
  task: string;
  args: unknown[];
  kwargs?: Record<string, unknown>;
  queue: string;
  /** ms */
  eta?: number;
  /** ms */
  expires?: number;
  /** Celery's priority (0 first). */
  priority?: number;
  retries?: number;
  rootId?: string;
  parentId?: string | null;
  groupId?: string | null;
  ignoreResult?: boolean;
  callbacks?: CelerySignature[] | null;
  errbacks?: CelerySignature[] | null;
  chain?: CelerySignature[] | null;
}

/** A protocol-2 envelope, validated (a malformed one kills a Celery worker). */
export function encodeCeleryMessage(spec: CeleryMessageSpec): string {
  const kwargs = spec.kwargs ?? {};
  const body = [spec.args, kwargs, { callbacks: spec.callbacks ?? null, errbacks: spec.errbacks ?? null, chain: spec.chain ?? null, chord: null }];
  const envelope: CeleryEnvelope = {
    body: Buffer.from(JSON.stringify(body), 'utf8').toString('base64'),
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'py',
      task: spec.task,
      id: spec.id,
      shadow: null,
      eta: spec.eta === undefined ? null : toCeleryTime(spec.eta),
      expires: spec.expires === undefined ? null : toCeleryTime(spec.expires),
      group: spec.groupId ?? null,
      group_index: null,
      retries: spec.retries ?? 0,
      timelimit: [null, null],
      root_id: spec.rootId ?? spec.id,
      parent_id: spec.parentId ?? null,
      argsrepr: safeRepr(spec.args),
      kwargsrepr: safeRepr(kwargs),
      origin: ORIGIN,
      ignore_result: spec.ignoreResult ?? false,
    },
    properties: {
      correlation_id: spec.id,
      reply_to: randomUUID(),
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: spec.queue },
      priority: spec.priority ?? 0,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  };
  assertValidCeleryEnvelope(envelope);
  return JSON.stringify(envelope);
}

/** Throws CeleryEnvelopeError unless a Celery worker can read `envelope` (see docs/celery.md). */
export function assertValidCeleryEnvelope(envelope: CeleryEnvelope): void {
  const fail = (why: string): never => {
    throw new CeleryEnvelopeError(`Refusing to push a malformed Celery message: ${why}`);
  };
  if (envelope['content-type'] !== 'application/json') fail('content-type is not application/json');
  if (envelope['content-encoding'] !== 'utf-8') fail('content-encoding is not utf-8');
  const h = envelope.headers;
  if (!isObject(h)) fail('no headers');
  if (typeof h.id !== 'string' || h.id === '') fail('headers.id is not a non-empty string');
  if (typeof h.task !== 'string' || h.task === '') fail('headers.task is not a non-empty string');
  if (!Number.isInteger(h.retries) || (h.retries as number) < 0) fail('headers.retries is not a non-negative integer');
  for (const key of ['eta', 'expires'] as const) {
    if (h[key] !== null && (typeof h[key] !== 'string' || !Number.isFinite(Date.parse(h[key] as string)))) fail(`headers.${key} is not an ISO-8601 time or null`);
  }
  const p = envelope.properties;
  if (!isObject(p)) fail('no properties');
  if (typeof p.delivery_tag !== 'string' || p.delivery_tag === '') fail('properties.delivery_tag is missing');
  if (!isObject(p.delivery_info) || typeof p.delivery_info.exchange !== 'string' || typeof p.delivery_info.routing_key !== 'string' || p.delivery_info.routing_key === '') {
    fail('properties.delivery_info is not { exchange, routing_key }');
  }
  if (p.priority !== undefined && !(Number.isInteger(p.priority) && (p.priority as number) >= 0 && (p.priority as number) <= 9)) fail('properties.priority is not 0 to 9');
  if (p.body_encoding !== 'base64' || typeof envelope.body !== 'string') fail('body is not base64');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(envelope.body, 'base64').toString('utf8'));
  } catch {
    return fail('body is not base64 of JSON');
  }
  if (!Array.isArray(body) || body.length !== 3) fail('body is not [args, kwargs, embed]');
  const [args, kwargs, embed] = body as unknown[];
  if (!Array.isArray(args)) fail('args is not a list');
  if (!isObject(kwargs)) fail('kwargs is not a dict');
  if (!isObject(embed)) fail('embed is not a dict');
  for (const key of ['callbacks', 'errbacks', 'chain'] as const) {
    const list = (embed as Record<string, unknown>)[key];
    if (list === null || list === undefined) continue;
    if (!Array.isArray(list)) fail(`embed.${key} is not a list`);
    for (const sig of list as unknown[]) {
      if (!isObject(sig) || typeof sig.task !== 'string' || sig.task === '') fail(`embed.${key} holds a signature without a task name`);
    }
  }
}

/** The task id of a raw Celery message (protocol 2 headers, or a protocol 1 body); '' when it cannot be read. */
export function celeryMessageId(raw: string): string {
  try {
    const envelope = JSON.parse(raw) as Partial<CeleryEnvelope>;
    const id = envelope.headers?.id;
    if (typeof id === 'string') return id;
    if (typeof envelope.body !== 'string') return '';
    const text = envelope.properties?.body_encoding === 'base64' ? Buffer.from(envelope.body, 'base64').toString('utf8') : envelope.body;
    const body = JSON.parse(text) as { id?: unknown };
    return typeof body?.id === 'string' ? body.id : '';
  } catch {
    return '';
  }
}

/** Celery's time format: ISO-8601 with microseconds and an explicit UTC offset. */
export function toCeleryTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000+00:00');
}

const ORIGIN = `${process.pid}@${hostname()}`;

function safeRepr(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 1024 ? `${text.slice(0, 1021)}...` : text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function requireString(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new MessageDecodeError(`${what} is not a non-empty string`);
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function requireArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new MessageDecodeError(`${what} is not a list`);
  return value;
}

function requireObject(value: unknown, what: string): Record<string, unknown> {
  if (!isObject(value)) throw new MessageDecodeError(`${what} is not a dict`);
  return value;
}

function readRetries(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new MessageDecodeError('retries is not a non-negative integer');
  return value;
}

/** An ISO-8601 time (Celery writes an offset; a naive one is UTC) as ms. */
function readTime(value: unknown, what: string, utc = true): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MessageDecodeError(`${what} is not an ISO-8601 time`);
  const naive = !/(Z|[+-]\d\d:?\d\d)$/.test(value);
  const ms = Date.parse(naive && utc ? `${value}Z` : value);
  if (!Number.isFinite(ms)) throw new MessageDecodeError(`${what} ${JSON.stringify(value)} is not an ISO-8601 time`);
  return ms;
}

function readSignatures(value: unknown, what: string): CelerySignature[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) throw new MessageDecodeError(`embed.${what} is not a list`);
  for (const sig of value) {
    if (!isObject(sig) || typeof sig.task !== 'string') throw new MessageDecodeError(`embed.${what} holds a signature without a task name`);
  }
  return value as CelerySignature[];
}

function readEmbed(value: unknown): CeleryEmbed {
  if (value === undefined || value === null) return { callbacks: null, errbacks: null, chain: null, chord: null };
  if (!isObject(value)) throw new MessageDecodeError('embed is not a dict');
  return {
    callbacks: readSignatures(value.callbacks, 'callbacks'),
    errbacks: readSignatures(value.errbacks, 'errbacks'),
    chain: readSignatures(value.chain, 'chain'),
    chord: value.chord ?? null,
  };
}
