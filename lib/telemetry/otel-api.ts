import type * as Api from '@opentelemetry/api';

/** The part of `@opentelemetry/api` the library uses (an optional peer dependency). */
export type OtelApi = typeof Api;

let loaded: OtelApi | null | undefined;

/**
 * `@opentelemetry/api` when the app has it installed, else null. Loaded on first
 * use, never at import time, so that the library works without it.
 */
export function loadOtelApi(): OtelApi | null {
  if (loaded === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require('@opentelemetry/api') as OtelApi;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}
