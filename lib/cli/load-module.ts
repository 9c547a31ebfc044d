import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DynamicModule, Type } from '@nestjs/common';
import { ModuleLoadError } from '../errors';

/** A Nest module class, or a dynamic module object. */
export type NestModuleRef = Type | DynamicModule;

const MODULE_METADATA_KEYS = ['imports', 'providers', 'controllers', 'exports'];

// A real import() (TypeScript compiles `import()` to require() in CommonJS output).
const dynamicImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<Record<string, unknown>>;

/**
 * Loads `<path>[#Export]` relative to `cwd`: compiled JavaScript (CommonJS or ESM),
 * or TypeScript when a TS loader is registered (`node -r ts-node/register ...`).
 * Without `#Export` it takes `AppModule`, else the default export, else the only
 * exported Nest module. Every failure says what was looked for.
 */
export async function loadModule(spec: string, cwd = process.cwd()): Promise<NestModuleRef> {
  if (typeof spec !== 'string' || spec.trim() === '') throw new ModuleLoadError(String(spec), 'give a file, e.g. --module dist/app.module.js#AppModule');
  const hash = spec.lastIndexOf('#');
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const exportName = hash > 0 ? spec.slice(hash + 1) : undefined;
  const full = resolve(cwd, file);
  let resolved: string;
  try {
    resolved = require.resolve(full);
  } catch {
    const hint = existsSync(`${full}.ts`) || extname(full) === '.ts' ? ' (TypeScript? build it and point at the .js file)' : '';
    throw new ModuleLoadError(spec, `no such file: ${full}${hint}`);
  }
  const ext = extname(resolved);
  if ((ext === '.ts' || ext === '.mts' || ext === '.cts') && !require.extensions[ext]) {
    throw new ModuleLoadError(
      spec,
      `${resolved} is TypeScript and no TypeScript loader is registered: point at the compiled .js, or run through a loader (node -r ts-node/register node_modules/.bin/nest-tasks ...)`,
    );
  }
  const exports = await importFile(spec, resolved);
  return pick(spec, exports, exportName);
}

async function importFile(spec: string, resolved: string): Promise<Record<string, unknown>> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS module first; import() below for ESM
    return require(resolved) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
      try {
        return await dynamicImport(pathToFileURL(resolved).href);
      } catch (inner) {
        throw new ModuleLoadError(spec, `it failed while loading: ${(inner as Error).message}`, inner);
      }
    }
    throw new ModuleLoadError(spec, `it failed while loading: ${(error as Error).message}`, error);
  }
}

function pick(spec: string, exports: Record<string, unknown>, exportName: string | undefined): NestModuleRef {
  const names = Object.keys(exports)
    .filter((name) => name !== '__esModule')
    .sort();
  if (exportName !== undefined) {
    if (!(exportName in exports)) {
      throw new ModuleLoadError(spec, `it has no export '${exportName}' (it exports: ${names.join(', ') || 'nothing'})`);
    }
    const value = exports[exportName];
    // An explicitly named class is taken as it is (an empty @Module({}) carries no metadata).
    if (typeof value !== 'function' && !isNestModule(value)) throw new ModuleLoadError(spec, `'${exportName}' is not a Nest module class`);
    return value as NestModuleRef;
  }
  for (const candidate of [exports.AppModule, exports.default]) if (isNestModule(candidate)) return candidate;
  const modules = names.filter((name) => isNestModule(exports[name]));
  if (modules.length === 1) return exports[modules[0]] as NestModuleRef;
  if (modules.length === 0) throw new ModuleLoadError(spec, `it exports no Nest module (it exports: ${names.join(', ') || 'nothing'})`);
  throw new ModuleLoadError(spec, `it exports several Nest modules (${modules.join(', ')}): pick one with #Name`);
}

function isNestModule(value: unknown): value is NestModuleRef {
  if (typeof value === 'function') {
    const keys = Reflect.getMetadataKeys?.(value) ?? [];
    return MODULE_METADATA_KEYS.some((key) => keys.includes(key)) || Reflect.getMetadata?.('__module:global__', value) !== undefined;
  }
  return typeof value === 'object' && value !== null && typeof (value as DynamicModule).module === 'function';
}
