import type { CanActivate, ExecutionContext, Type } from '@nestjs/common';
import type { DashboardGuardFunction, TaskDashboardOptions } from './dashboard-options';

/** Turns the `guard` option into something `@UseGuards()` takes. */
export function toNestGuard(guard: TaskDashboardOptions['guard']): Type<CanActivate> | CanActivate | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'object') return guard;
  // A class has a prototype with canActivate; a plain function is called with the request.
  if (typeof guard.prototype?.canActivate === 'function') return guard as Type<CanActivate>;
  const check = guard as DashboardGuardFunction;
  return { canActivate: (context: ExecutionContext) => check(context.switchToHttp().getRequest()) };
}
