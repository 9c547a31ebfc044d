#!/usr/bin/env node
// After tsc: copies every file of lib/ that tsc does not emit (the Redis broker's Lua
// scripts, static assets, hand-written .d.ts) to the same place under dist/lib, where
// the compiled modules look for them (`join(__dirname, ...)`).
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'lib');
const target = join(root, 'dist', 'lib');

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

const assets = filesUnder(source).filter((file) => !file.endsWith('.ts') || file.endsWith('.d.ts'));
for (const file of assets) {
  const copy = join(target, relative(source, file));
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(file, copy);
}
console.log(`copied ${assets.length} asset(s) from lib/ to dist/lib`);
