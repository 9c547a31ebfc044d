/**
 * A tiny require hook: `node -r ./test/support/register-ts.js some.ts` compiles
 * .ts files on load with @swc/core (legacy decorators + decorator metadata,
 * CommonJS), the same settings jest uses. Node >= 20.19 loads Nest 12 (ESM only)
 * through require(esm), so no other loader is needed.
 */
'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const { transformSync } = require('@swc/core');

const options = {
  jsc: {
    target: 'es2022',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

Module._extensions['.ts'] = function compileTs(module, filename) {
  const source = fs.readFileSync(filename, 'utf8');
  const { code } = transformSync(source, { ...options, filename });
  module._compile(code, filename);
};
