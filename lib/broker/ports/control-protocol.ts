import type { SerializedError } from '../../errors';

/** The commands a worker answers. */
export const REMOTE_COMMANDS = ['ping', 'active', 'reserved', 'registered', 'stats', 'shutdown', 'setRateLimit'] as const;
export type RemoteCommand = (typeof REMOTE_COMMANDS)[number];

/** The `type` of remote-control requests on the broker's control channel. */
export const REMOTE_REQUEST_TYPE = 'remote-control';

/** A request, broadcast to every worker; the ones named in `destination` (all if absent) answer. */
export interface RemoteRequest {
  type: typeof REMOTE_REQUEST_TYPE;
  id: string;
  command: RemoteCommand;
  args?: Record<string, unknown>;
  destination?: string[];
  /** Where answers go (a reply channel of the requester). */
  replyTo: string;
}

/** One worker's answer. */
export interface RemoteReply {
  requestId: string;
  worker: string;
  ok: boolean;
  value?: unknown;
  error?: SerializedError;
}

export function isRemoteRequest(message: { type: string; [key: string]: unknown }): message is RemoteRequest & { [key: string]: unknown } {
  return (
    message.type === REMOTE_REQUEST_TYPE &&
    typeof message.id === 'string' &&
    typeof message.replyTo === 'string' &&
    typeof message.command === 'string'
  );
}

export function isRemoteReply(value: unknown): value is RemoteReply {
  const reply = value as RemoteReply;
  return !!reply && typeof reply === 'object' && typeof reply.requestId === 'string' && typeof reply.worker === 'string' && typeof reply.ok === 'boolean';
}
