import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SHIPPED_EXTRA = new Set(['package.json', 'README.md', 'LICENSE']);
const COMPILED = /^dist\/lib\/.+\.(js|mjs|d\.ts|d\.mts)$/;

/** Compiled output, or a file copied as it is from lib/ (Lua scripts, assets). */
const isBuildOutput = (file: string) =>
  COMPILED.test(file) || (file.startsWith('dist/lib/') && !file.endsWith('.map') && existsSync(join(ROOT, file.slice('dist/'.length))));

/** The files `npm pack` would put in the tarball. */
function packedFiles(): string[] {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(output) as Array<{ files: Array<{ path: string }> }>)[0].files.map((file) => file.path).sort();
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

describe('the npm package', () => {
  let files: string[];

  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'lib', 'index.mjs'))) {
      throw new Error('dist/lib is not built: run `npm run build` (`npm test` builds it first)');
    }
    files = packedFiles();
  });

  it('ships only the build (JS, typings, the ESM entry, Lua scripts and assets), README, LICENSE and package.json', () => {
    const unexpected = files.filter((file) => !SHIPPED_EXTRA.has(file) && !isBuildOutput(file));
    expect(unexpected).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/index.mjs', 'dist/lib/index.d.mts']));
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('ships every module of lib/ compiled, with its typings (a stale build fails here: npm run build)', () => {
    const modules = filesUnder(join(ROOT, 'lib'))
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => relative(ROOT, file).replace(/\\/g, '/').replace(/^lib\//, 'dist/lib/').replace(/\.ts$/, ''));
    expect(modules.length).toBeGreaterThan(10);
    const missing = modules.flatMap((base) => [`${base}.js`, `${base}.d.ts`]).filter((file) => !files.includes(file));
    expect(missing).toEqual([]);
  });

  it('ships every file of lib/ that tsc does not emit (the Lua scripts the broker loads, assets)', () => {
    const assets = filesUnder(join(ROOT, 'lib'))
      .filter((file) => !file.endsWith('.ts') || file.endsWith('.d.ts'))
      .map((file) => `dist/${relative(ROOT, file).replace(/\\/g, '/')}`);
    expect(assets.filter((file) => file.endsWith('.lua')).length).toBeGreaterThan(3);
    expect(assets.filter((file) => !files.includes(file))).toEqual([]);
  });

  it('has an ES module entry that re-exports every name of the CommonJS build, the same objects', () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const esm = await import('./dist/lib/index.mjs');",
      "const cjs = createRequire(import.meta.url)('./dist/lib/index.js');",
      "const names = Object.keys(cjs).filter((name) => name !== '__esModule');",
      'const differ = names.filter((name) => esm[name] !== cjs[name]);',
      'console.log(JSON.stringify({ names: names.length, differ, defaultIsCjs: esm.default === cjs }));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const report = JSON.parse(output) as { names: number; differ: string[]; defaultIsCjs: boolean };
    expect(report.names).toBeGreaterThan(20);
    expect(report.differ).toEqual([]);
    expect(report.defaultIsCjs).toBe(true);
  });

  it('maps import to the ES module entry and require to the CommonJS build, each with its typings', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.exports['.']).toEqual({
      import: { types: './dist/lib/index.d.mts', default: './dist/lib/index.mjs' },
      require: { types: './dist/lib/index.d.ts', default: './dist/lib/index.js' },
      default: './dist/lib/index.js',
    });
    for (const target of [manifest.main, manifest.types]) expect(files).toContain(target.replace(/^\.\//, ''));
    expect(manifest.peerDependencies['@nestjs/common']).toBe('^11.0.0 || ^12.0.0');
    expect(manifest.peerDependencies['@nestjs/core']).toBe('^11.0.0 || ^12.0.0');
  });
});
