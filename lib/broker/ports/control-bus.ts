/** A message to every worker and client of the namespace (revocations, rate limits, remote control). */
export interface ControlMessage {
  type: string;
  [key: string]: unknown;
}

/** Messages to every worker and client of the namespace, and the revoked ids they remember. */
export interface ControlBus {
  /** Sends a control message to every subscriber of the namespace. */
  broadcast(message: ControlMessage): Promise<void>;
  /** Listens to control messages; resolves once subscribed, with a function that stops listening. */
  onBroadcast(listener: (message: ControlMessage) => void): Promise<() => void>;
  /** Remembers revoked ids until `until` (ms timestamp), for workers that start later. */
  rememberRevoked(ids: string[], until: number): Promise<void>;
  /** Ids revoked and not yet forgotten. */
  revokedIds(): Promise<string[]>;
}
