#!/usr/bin/env node
// Run first by `npm test` (pretest): names what the test suite needs from the system
// and is missing, one line each with the command that installs it, before anything
// else starts. It only looks at files (no process is started), so it answers at once.
'use strict';
const { missingForTests } = require('./system-deps');

const missing = missingForTests();
if (missing.length > 0) {
  console.error('npm test needs from this machine:');
  for (const need of missing) console.error(`  - ${need.what}: ${need.install}`);
  process.exit(1);
}
