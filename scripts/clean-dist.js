#!/usr/bin/env node
// Before tsc: removes dist/lib so that a module deleted or renamed in lib/ never
// lingers in the build, and so never in the published package.
const { rmSync } = require('node:fs');
const { join } = require('node:path');

rmSync(join(__dirname, '..', 'dist', 'lib'), { recursive: true, force: true });
