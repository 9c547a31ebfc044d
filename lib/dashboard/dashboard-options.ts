import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import { isIP } from 'node:net';
import { TaskConfigError } from '../errors';

/** A guard as a plain function of the HTTP request (express or fastify): true lets it through. */
export type DashboardGuardFunction = (request: unknown) => boolean | Promise<boolean>;

/** `TaskDashboardModule.register({...})`. */
export interface TaskDashboardOptions {
  /** Where it is mounted in the HTTP app (after any global prefix). Default '/tasks'. */
  path?: string;
  /** Who may see it: a Nest guard (class or instance) or a function of the request. Default: anyone (then it is read-only, see `public`). */
  guard?: Type<CanActivate> | CanActivate | DashboardGuardFunction;
  /**
   * Without a guard the dashboard is read-only: every action answers 403. `public: true`
   * allows actions without a guard, to anyone who reaches it (behind your own proxy
   * authentication, on a developer machine). Default false.
   */
  public?: boolean;
  /** Show everything, change nothing: no revoke, retry, purge, requeue, delete, enable/disable, shutdown. */
  readOnly?: boolean;
  /**
   * Host names (or addresses) it answers to besides localhost, 127.0.0.1, [::1] and the
   * address the HTTP server listens on: requests with another Host (or X-Forwarded-Host)
   * are refused with 421, against DNS rebinding. Ports are not compared.
   */
  allowedHosts?: string[];
  /** Modules the guard class needs (its dependencies are resolved in the dashboard's module). */
  imports?: ModuleMetadata['imports'];
}

/**
 * Who may act: the guard decides (`'guarded'`), anyone who reaches it (`'public'`), nobody
 * (`'read-only'`: readOnly: true), nobody because there is no guard (`'no-guard'`, the default).
 */
export type DashboardAccess = 'guarded' | 'public' | 'read-only' | 'no-guard';

export interface ResolvedDashboardOptions {
  path: string;
  access: DashboardAccess;
  /** Actions are refused: `access` is 'read-only' or 'no-guard'. */
  readOnly: boolean;
  /** `allowedHosts`, as host names (lower case, IPv6 in brackets, no port). */
  allowedHosts: string[];
}

/** The host name of a Host header or an `allowedHosts` entry ('Example.com:80' -> 'example.com', '::1' -> '[::1]'), or null. */
export function hostnameOf(value: string): string | null {
  const text = value.trim();
  if (text === '' || /[\s/\\?#@]/.test(text)) return null;
  try {
    return new URL(`http://${isIP(text) === 6 ? `[${text}]` : text}`).hostname;
  } catch {
    return null;
  }
}

/** Why actions are refused (the 403's message), or undefined when they are allowed. */
export function readOnlyReason(access: DashboardAccess): string | undefined {
  if (access === 'read-only') return 'The dashboard is read-only (readOnly: true)';
  if (access === 'no-guard') {
    return 'The dashboard is read-only: it has no guard. Give TaskDashboardModule.register() a guard, or set public: true to let anyone who reaches it act (nest-tasks dashboard: --basic-auth or --public)';
  }
  return undefined;
}

export function resolveDashboardOptions(options: TaskDashboardOptions = {}): ResolvedDashboardOptions {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('TaskDashboardModule.register', options, 'an options object');
  const { path = '/tasks', readOnly = false, guard, public: isPublic = false, allowedHosts = [] } = options;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9_\-./]*$/.test(path) || path.includes('//')) {
    throw new TaskConfigError('path', path, "a path like '/tasks' (letters, digits, - _ . /)");
  }
  if (typeof readOnly !== 'boolean') throw new TaskConfigError('readOnly', readOnly, 'true or false');
  if (typeof isPublic !== 'boolean') throw new TaskConfigError('public', isPublic, 'true or false');
  if (guard !== undefined && typeof guard !== 'function' && (typeof guard !== 'object' || guard === null || typeof (guard as CanActivate).canActivate !== 'function')) {
    throw new TaskConfigError('guard', guard, 'a guard class, a guard instance or a function (request) => boolean');
  }
  if (!Array.isArray(allowedHosts)) throw new TaskConfigError('allowedHosts', allowedHosts, "an array of host names, like ['ops.example.com']");
  const hosts = allowedHosts.map((host, i) => {
    const name = typeof host === 'string' ? hostnameOf(host) : null;
    if (name === null) throw new TaskConfigError(`allowedHosts[${i}]`, host, "a host name or address, like 'ops.example.com' or '10.0.0.5' (no scheme, no path)");
    return name;
  });
  const access: DashboardAccess = readOnly ? 'read-only' : guard !== undefined ? 'guarded' : isPublic ? 'public' : 'no-guard';
  return { path: path.length > 1 ? path.replace(/\/+$/, '') : path, access, readOnly: access === 'read-only' || access === 'no-guard', allowedHosts: hosts };
}
