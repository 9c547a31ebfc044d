#!/usr/bin/env node
// After tsc: copies the Lua scripts next to the compiled broker and writes
// dist/lib/index.mjs, an ES module that re-exports the CommonJS build (one copy
// of the library in memory whichever way it is loaded).
const { cpSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist', 'lib');
cpSync(join(root, 'lib', 'broker', 'redis', 'scripts'), join(dist, 'broker', 'redis', 'scripts'), { recursive: true });

const names = Object.keys(require(join(dist, 'index.js'))).filter((name) => name !== '__esModule' && name !== 'default');
const lines = [
  "import cjs from './index.js';",
  ...names.map((name) => `export const ${name} = cjs.${name};`),
  'export default cjs;',
  '',
];
writeFileSync(join(dist, 'index.mjs'), lines.join('\n'));
console.log(`dist/lib/index.mjs re-exports ${names.length} names`);
