/**
 * The sample's dashboard guard: requests from this machine only. In production put
 * your own authentication here (a Nest guard class works too).
 */
export function localOnly(request: unknown): boolean {
  const ip = (request as { ip?: string; socket?: { remoteAddress?: string } }).ip ?? (request as { socket?: { remoteAddress?: string } }).socket?.remoteAddress ?? '';
  return ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1';
}
