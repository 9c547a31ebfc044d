#!/usr/bin/env node
// After tsc: writes the ES module entry. dist/lib/index.mjs re-exports the CommonJS
// build (one copy of the library in memory whichever way it is loaded) and
// dist/lib/index.d.mts types it for `moduleResolution: node16/nodenext/bundler`.
// Runs last in `npm run build`: index.mjs marks a complete build.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const dist = join(root, 'dist', 'lib');

const names = Object.keys(require(join(dist, 'index.js'))).filter((name) => name !== '__esModule' && name !== 'default');
const types = [
  "export * from './index.js';",
  "import * as cjs from './index.js';",
  'export default cjs;',
  '',
];
writeFileSync(join(dist, 'index.d.mts'), types.join('\n'));

const esm = [
  "import cjs from './index.js';",
  ...names.map((name) => `export const ${name} = cjs.${name};`),
  'export default cjs;',
  '',
];
writeFileSync(join(dist, 'index.mjs'), esm.join('\n'));
console.log(`dist/lib/index.mjs re-exports ${names.length} names`);
