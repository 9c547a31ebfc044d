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
    what: 'Chromium (the dashboard tests drive it headless)',
    present: () => fs.existsSync(process.env.CHROMIUM_PATH || '/usr/bin/chromium'),
    install: 'sudo apt-get install -y chromium fonts-liberation   (or set CHROMIUM_PATH)',
  },
  {
    what: 'python3-celery and python3-redis for /usr/bin/python3 (the Celery wire tests run a real Celery worker)',
    present: () =>
      spawnSync(process.env.CELERY_PYTHON || '/usr/bin/python3', ['-c', 'import celery, redis'], { stdio: 'ignore', timeout: 5000 }).status === 0,
    install: 'sudo apt-get install -y python3-celery python3-redis',
  },
];

const missing = needs.filter((need) => !need.present());
if (missing.length > 0) {
  console.error('npm test needs from this machine:');
  for (const need of missing) console.error(`  - ${need.what}: ${need.install}`);
  process.exit(1);
}
