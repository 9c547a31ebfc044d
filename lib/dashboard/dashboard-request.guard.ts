import { HttpException, Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TASK_DASHBOARD_OPTIONS } from '../constants';
import { hostnameOf, type ResolvedDashboardOptions } from './dashboard-options';

/** Always answered: the loopback names. */
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
/** Listening on these is listening everywhere: no name to allow. */
const EVERY_INTERFACE = ['0.0.0.0', '[::]'];

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
}

/** express `res.setHeader()`, fastify `reply.header()`. */
interface HeaderSetter {
  setHeader?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
}

/** No page of the dashboard may be framed by another (clickjacking): sent with every answer, refusals included. */
const NO_FRAMING: Array<[string, string]> = [
  ['Content-Security-Policy', "frame-ancestors 'none'"],
  ['X-Frame-Options', 'DENY'],
];

/**
 * Runs before any other guard of the dashboard's routes: sets the headers that forbid
 * framing, and refuses a request whose Host (or X-Forwarded-Host) is not an allowed
 * name, with 421. A page of any website whose name is made to resolve to 127.0.0.1
 * (DNS rebinding) is same-origin with the dashboard as far as the browser knows; only
 * the Host it sends gives it away.
 */
@Injectable()
export class DashboardRequestGuard implements CanActivate {
  constructor(
    @Inject(TASK_DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions,
    @Optional() private readonly adapterHost?: HttpAdapterHost,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const response = http.getResponse<HeaderSetter>();
    for (const [name, value] of NO_FRAMING) {
      if (typeof response.setHeader === 'function') response.setHeader(name, value);
      else response.header?.(name, value);
    }
    const request = http.getRequest<HttpRequestLike>();
    const forwarded = first(request.headers['x-forwarded-host']);
    for (const host of forwarded === undefined ? [first(request.headers.host)] : [first(request.headers.host), forwarded]) {
      const name = host === undefined ? null : hostnameOf(host);
      if (name === null || !this.allowed(name)) throw misdirected(host);
    }
    return true;
  }

  private allowed(name: string): boolean {
    return LOOPBACK.includes(name) || this.options.allowedHosts.includes(name) || this.boundHost() === name;
  }

  /** The address the HTTP server listens on, unless it listens on every interface. */
  private boundHost(): string | null {
    const server = this.adapterHost?.httpAdapter?.getHttpServer?.() as { address?: () => unknown } | undefined;
    const address = server?.address?.() as { address?: string } | string | null | undefined;
    if (!address || typeof address !== 'object' || typeof address.address !== 'string') return null;
    const name = hostnameOf(address.address);
    return name === null || EVERY_INTERFACE.includes(name) ? null : name;
  }
}

function first(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined ? undefined : text.split(',')[0].trim();
}

function misdirected(host: string | undefined): HttpException {
  const shown = host === undefined ? 'none' : `'${host.slice(0, 100)}'`;
  const message =
    `Host ${shown} is not one the dashboard answers to (a guard against DNS rebinding): it answers localhost, 127.0.0.1, [::1], ` +
    'the address it listens on and the names in allowedHosts. Add the name you use to allowedHosts (nest-tasks dashboard: --allowed-host <name>)';
  return new HttpException({ statusCode: 421, error: 'Misdirected Request', message }, 421);
}
