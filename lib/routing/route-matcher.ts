import type { RouteOptions } from '../config/task-module-options.interface';

/** `*` matches within one dot-separated segment, `**` across segments. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') {
      source += '[^.]*';
    } else if (ch === '?') {
      source += '[^.]';
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/** Resolves a task name to its route: exact names first, then globs in declaration order. */
export class RouteMatcher {
  private readonly exact = new Map<string, RouteOptions>();
  private readonly globs: Array<[RegExp, RouteOptions]> = [];
  private readonly cache = new Map<string, RouteOptions | null>();

  constructor(routes: Readonly<Record<string, RouteOptions>>) {
    for (const [pattern, route] of Object.entries(routes)) {
      if (/[*?]/.test(pattern)) this.globs.push([globToRegExp(pattern), route]);
      else this.exact.set(pattern, route);
    }
  }

  match(taskName: string): RouteOptions | undefined {
    const cached = this.cache.get(taskName);
    if (cached !== undefined) return cached ?? undefined;
    const route = this.exact.get(taskName) ?? this.globs.find(([re]) => re.test(taskName))?.[1];
    this.cache.set(taskName, route ?? null);
    return route;
  }
}
