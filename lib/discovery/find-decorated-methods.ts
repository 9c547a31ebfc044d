import type { DiscoveryService, MetadataScanner } from '@nestjs/core';

/** A provider method that carries some decorator's metadata. */
export interface DecoratedMethod<M> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly instance: Record<string, any>;
  readonly className: string;
  readonly methodName: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly method: (...args: any[]) => unknown;
  readonly metadata: M;
  /** False on request-scoped providers, whose methods cannot be called from outside a request. */
  readonly isStatic: boolean;
}

/**
 * Walks every provider instance of the app and returns the methods for which `read`
 * finds metadata. Shared by the task, periodic and event explorers.
 */
export function findDecoratedMethods<M>(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  read: (method: unknown) => M | undefined,
): Array<DecoratedMethod<M>> {
  const found: Array<DecoratedMethod<M>> = [];
  for (const wrapper of discovery.getProviders()) {
    const { instance } = wrapper;
    if (!instance || typeof instance !== 'object') continue;
    const prototype = Object.getPrototypeOf(instance);
    if (!prototype || prototype === Object.prototype) continue;
    for (const methodName of scanner.getAllMethodNames(prototype)) {
      const method = prototype[methodName];
      const metadata = read(method);
      if (metadata === undefined) continue;
      found.push({
        instance,
        className: instance.constructor.name,
        methodName,
        method,
        metadata,
        isStatic: wrapper.isDependencyTreeStatic(),
      });
    }
  }
  return found;
}
