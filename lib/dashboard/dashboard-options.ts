import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import { TaskConfigError } from '../errors';

/** A guard as a plain function of the HTTP request (express or fastify): true lets it through. */
export type DashboardGuardFunction = (request: unknown) => boolean | Promise<boolean>;

/** `TaskDashboardModule.register({...})`. */
export interface TaskDashboardOptions {
  /** Where it is mounted in the HTTP app (after any global prefix). Default '/tasks'. */
  path?: string;
  /** Who may see it: a Nest guard (class or instance) or a function of the request. Default: anyone. */
  guard?: Type<CanActivate> | CanActivate | DashboardGuardFunction;
  /** Show everything, change nothing: no revoke, retry, purge, requeue, delete, enable/disable, shutdown. */
  readOnly?: boolean;
  /** Modules the guard class needs (its dependencies are resolved in the dashboard's module). */
  imports?: ModuleMetadata['imports'];
}

export interface ResolvedDashboardOptions {
  path: string;
  readOnly: boolean;
}

export function resolveDashboardOptions(options: TaskDashboardOptions = {}): ResolvedDashboardOptions {
  if (options === null || typeof options !== 'object') throw new TaskConfigError('TaskDashboardModule.register', options, 'an options object');
  const { path = '/tasks', readOnly = false, guard } = options;
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9_\-./]*$/.test(path) || path.includes('//')) {
    throw new TaskConfigError('path', path, "a path like '/tasks' (letters, digits, - _ . /)");
  }
  if (typeof readOnly !== 'boolean') throw new TaskConfigError('readOnly', readOnly, 'true or false');
  if (guard !== undefined && typeof guard !== 'function' && (typeof guard !== 'object' || guard === null || typeof (guard as CanActivate).canActivate !== 'function')) {
    throw new TaskConfigError('guard', guard, 'a guard class, a guard instance or a function (request) => boolean');
  }
  return { path: path.length > 1 ? path.replace(/\/+$/, '') : path, readOnly };
}
