import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  Headers,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Redirect,
  Res,
  Sse,
  UseGuards,
  type CanActivate,
  type MessageEvent,
  type Type,
} from '@nestjs/common';
import type { Observable } from 'rxjs';
import { NestTasksError } from '../errors';
import { DASHBOARD_CSS } from './assets/dashboard-css';
import { DASHBOARD_JS } from './assets/dashboard-js';
import { DashboardEventStream } from './dashboard-event-stream';
import { DashboardRequestGuard } from './dashboard-request.guard';
import { DashboardService, type PageRequest } from './dashboard.service';

const HTML = 'text/html; charset=utf-8';

/** Where an action sends the browser back to, with its outcome. */
interface RedirectTo {
  url: string;
  statusCode: number;
}

/** The dashboard's routes, mounted at `path` (the class is made per registration). */
export function dashboardController(path: string, guard?: Type<CanActivate> | CanActivate): Type {
  @Controller(path)
  class TaskDashboardController {
    constructor(
      readonly dashboard: DashboardService,
      readonly events: DashboardEventStream,
    ) {}

    // ---- pages -----------------------------------------------------------------------------

    @Get()
    @Header('Content-Type', HTML)
    overview(@Headers('x-dashboard-partial') partial?: string, @Query('flash') flash?: string, @Query('error') error?: string): Promise<string> {
      return this.dashboard.overview(page(partial, flash, error));
    }

    @Get('workers')
    @Header('Content-Type', HTML)
    workers(@Headers('x-dashboard-partial') partial?: string, @Query('flash') flash?: string, @Query('error') error?: string): Promise<string> {
      return this.dashboard.workers(page(partial, flash, error));
    }

    @Get('queues')
    @Header('Content-Type', HTML)
    queues(@Headers('x-dashboard-partial') partial?: string, @Query('flash') flash?: string, @Query('error') error?: string): Promise<string> {
      return this.dashboard.queues(page(partial, flash, error));
    }

    @Get('tasks')
    @Header('Content-Type', HTML)
    tasks(@Query() query: Record<string, string | undefined>, @Headers('x-dashboard-partial') partial?: string): Promise<string> {
      return this.dashboard.tasks(page(partial, str(query.flash), str(query.error)), {
        id: str(query.id),
        name: str(query.name),
        state: str(query.state),
      });
    }

    @Get('tasks/:id')
    @Header('Content-Type', HTML)
    async task(
      @Param('id') id: string,
      @Res({ passthrough: true }) response: StatusSetter,
      @Headers('x-dashboard-partial') partial?: string,
      @Query('flash') flash?: string,
      @Query('error') error?: string,
    ): Promise<string> {
      const { found, markup } = await this.dashboard.task(page(partial, flash, error), id);
      if (!found) setStatus(response, 404);
      return markup;
    }

    @Get('periodic')
    @Header('Content-Type', HTML)
    periodic(@Headers('x-dashboard-partial') partial?: string, @Query('flash') flash?: string, @Query('error') error?: string): Promise<string> {
      return this.dashboard.periodic(page(partial, flash, error));
    }

    @Get('dead-letters')
    @Header('Content-Type', HTML)
    deadLetters(@Query('queue') queue?: string, @Headers('x-dashboard-partial') partial?: string, @Query('flash') flash?: string, @Query('error') error?: string): Promise<string> {
      return this.dashboard.deadLetters(page(partial, flash, error), str(queue));
    }

    // ---- assets and API ------------------------------------------------------------------------

    @Get('assets/dashboard.css')
    @Header('Content-Type', 'text/css; charset=utf-8')
    @Header('Cache-Control', 'public, max-age=300')
    css(): string {
      return DASHBOARD_CSS;
    }

    @Get('assets/dashboard.js')
    @Header('Content-Type', 'application/javascript; charset=utf-8')
    @Header('Cache-Control', 'public, max-age=300')
    js(): string {
      return DASHBOARD_JS;
    }

    @Get('api/overview')
    @Header('Cache-Control', 'no-store')
    overviewJson(): Promise<unknown> {
      return this.dashboard.overviewJson();
    }

    @Sse('api/events')
    stream(): Observable<MessageEvent> {
      return this.events.stream();
    }

    // ---- actions -------------------------------------------------------------------------------

    @Post('actions/tasks/:id/revoke')
    @HttpCode(303)
    @Redirect()
    revoke(@Param('id') id: string, @Query('terminate') terminate: string | undefined, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      return this.act(headers, `/tasks/${encodeURIComponent(id)}`, async () => {
        await this.dashboard.revoke(id, terminate === '1' || terminate === 'true');
        return terminate ? `Task ${id} terminated` : `Task ${id} revoked`;
      });
    }

    @Post('actions/tasks/:id/retry')
    @HttpCode(303)
    @Redirect()
    retry(@Param('id') id: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      let next = `/tasks/${encodeURIComponent(id)}`;
      return this.act(headers, () => next, async () => {
        const newId = await this.dashboard.retry(id);
        next = `/tasks/${encodeURIComponent(newId)}`;
        return `Task ${id} sent again as ${newId}`;
      });
    }

    @Post('actions/queues/:queue/purge')
    @HttpCode(303)
    @Redirect()
    purge(@Param('queue') queue: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      return this.act(headers, '/queues', async () => `Purged ${await this.dashboard.purge(queue)} message(s) from '${queue}'`);
    }

    @Post('actions/dead-letters/:queue/:id/requeue')
    @HttpCode(303)
    @Redirect()
    requeue(@Param('queue') queue: string, @Param('id') id: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      return this.act(headers, `/dead-letters?queue=${encodeURIComponent(queue)}`, async () => {
        await this.dashboard.requeue(queue, id);
        return `Requeued ${id} in '${queue}'`;
      });
    }

    @Post('actions/dead-letters/:queue/:id/delete')
    @HttpCode(303)
    @Redirect()
    deleteDeadLetter(@Param('queue') queue: string, @Param('id') id: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      return this.act(headers, `/dead-letters?queue=${encodeURIComponent(queue)}`, async () => {
        await this.dashboard.deleteDeadLetter(queue, id);
        return `Deleted dead letter ${id}`;
      });
    }

    @Post('actions/periodic/:name/:switch')
    @HttpCode(303)
    @Redirect()
    toggleSchedule(@Param('name') name: string, @Param('switch') to: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      if (to !== 'enable' && to !== 'disable') throw new NotFoundException();
      return this.act(headers, '/periodic', async () => {
        await this.dashboard.setScheduleEnabled(name, to === 'enable');
        return `Schedule '${name}' ${to}d`;
      });
    }

    @Post('actions/workers/:id/shutdown')
    @HttpCode(303)
    @Redirect()
    shutdown(@Param('id') id: string, @Headers() headers: Record<string, string>): Promise<RedirectTo> {
      return this.act(headers, '/workers', async () =>
        (await this.dashboard.shutdownWorker(id)) ? `Worker ${id} is shutting down` : `Worker ${id} did not answer`,
      );
    }

    /** Runs an action (refused in read-only mode and from other sites) and redirects with its outcome. */
    async act(headers: Record<string, string>, to: string | (() => string), run: () => Promise<string>): Promise<RedirectTo> {
      if (this.dashboard.readOnly) throw new ForbiddenException(this.dashboard.readOnlyReason);
      assertSameOrigin(headers);
      const target = () => `${this.dashboard.base}${typeof to === 'string' ? to : to()}`;
      try {
        const message = await run();
        return { url: withParam(target(), 'flash', message), statusCode: 303 };
      } catch (error) {
        if (!(error instanceof NestTasksError)) throw error;
        return { url: withParam(target(), 'error', error.message), statusCode: 303 };
      }
    }
  }
  // The no-framing headers and the Host check first, then the user's guard.
  UseGuards(DashboardRequestGuard, ...(guard ? [guard] : []))(TaskDashboardController);
  return TaskDashboardController;
}

/** express `res.status()`, fastify `reply.code()`. */
interface StatusSetter {
  status?: (code: number) => unknown;
  code?: (code: number) => unknown;
}

function setStatus(response: StatusSetter, code: number): void {
  if (typeof response.status === 'function') response.status(code);
  else response.code?.(code);
}

function page(partial: string | undefined, flash: string | undefined, error: string | undefined): PageRequest {
  return { partial: partial === '1', flash: str(flash), error: str(error) };
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withParam(url: string, key: string, value: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${key}=${encodeURIComponent(value)}`;
}

/**
 * An action must come from the dashboard's own page (CSRF): browsers send Origin with
 * every form post, so a post without it, with `Origin: null` (sandboxed frames, some
 * redirects) or from another origin is refused. Behind a proxy the host the browser
 * saw is X-Forwarded-Host (checked against the allowlist by DashboardRequestGuard).
 */
function assertSameOrigin(headers: Record<string, string | undefined>): void {
  if (headers['sec-fetch-site'] === 'cross-site') throw new ForbiddenException('Cross-site request refused');
  const origin = headers.origin;
  if (!origin || origin === 'null') {
    throw new ForbiddenException(`Refused: an action must come from the dashboard's own page, with its Origin header (browsers send it with form posts); this one has ${origin ? 'Origin: null' : 'no Origin'}`);
  }
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    throw new ForbiddenException('Refused: the Origin header is not a URL');
  }
  const host = headers['x-forwarded-host']?.split(',')[0].trim() || headers.host;
  let expected: string | undefined;
  try {
    expected = host ? new URL(`${from.protocol}//${host}`).host : undefined;
  } catch {
    expected = undefined;
  }
  if (from.host !== expected) throw new ForbiddenException(`Cross-site request refused: Origin ${from.origin} is not the dashboard's own`);
}
