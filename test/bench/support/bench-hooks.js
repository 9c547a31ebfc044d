/**
 * `node -r test/bench/support/bench-hooks.js bench/run.ts ...` runs the bench from
 * source: .ts files compile on load (test/support/register-ts.js) and 'nestjs-tasks'
 * resolves to lib/index.ts, as jest maps it. The bench's children inherit the flag.
 */
'use strict';
const Module = require('node:module');
const { join } = require('node:path');

require('../../support/register-ts.js');

const libEntry = join(__dirname, '..', '..', '..', 'lib', 'index.ts');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveNestjsTasks(request, ...rest) {
  return request === 'nestjs-tasks' ? libEntry : resolve.call(this, request, ...rest);
};
