import type { RemoteReply } from './control-protocol';

/** Carries remote-control replies back to the process that asked. */
export interface ReplyChannel {
  /** Starts receiving this process's replies (once); returns the address to put in `replyTo`. */
  listen(onReply: (reply: RemoteReply) => void): Promise<string>;
  send(replyTo: string, reply: RemoteReply): Promise<void>;
  close(): Promise<void>;
}
