#!/usr/bin/env node
// Run first by `npm test` (pretest): names what the test suite needs from the system
// and is missing, with the command that installs it, before anything else starts.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');

const needs = [
  {
    what: 'redis-server (the suite starts its own on a free port)',
    present: () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0,
    install: 'sudo apt-get install -y redis-server',
  },
  {
    what: 'redis-cli (the suite joins its own 3-node Redis Cluster with it)',
    present: () => spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0,
    install: 'sudo apt-get install -y redis-tools',
  },
  {
    what: 'Chromium (the dashboard tests drive it headless)',
    present: () => fs.existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium'),
    install: 'sudo apt-get install -y chromium fonts-liberation   (or set CHROMIUM_PATH)',
  },
];

const missing = needs.filter((need) => !need.present());
if (missing.length > 0) {
  console.error('npm test needs from this machine:');
  for (const need of missing) console.error(`  - ${need.what}: ${need.install}`);
  process.exit(1);
}
