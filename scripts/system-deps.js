// What the test suite needs from the machine, and where it finds it: used by
// scripts/check-system.js (`npm test`'s pretest) and by the dashboard tests
// (test/ops/support/browser.ts), so both look for the browser the same way.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Names of a Chromium or Chrome binary on PATH, in the order they are tried. */
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
const MAC_BROWSERS = [
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The first `name` on `env.PATH` that is an executable file, or null. */
function findOnPath(name, env = process.env) {
  for (const dir of (env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Playwright's own browsers: $PLAYWRIGHT_BROWSERS_PATH, else ~/.cache/ms-playwright (newest revision first). */
function playwrightBrowsers(env = process.env) {
  const home = env.HOME || os.homedir();
  const root = env.PLAYWRIGHT_BROWSERS_PATH || path.join(home, '.cache', 'ms-playwright');
  let revisions;
  try {
    revisions = fs.readdirSync(root).filter((name) => /^chromium-\d+$/.test(name));
  } catch {
    return [];
  }
  revisions.sort((a, b) => Number(b.slice('chromium-'.length)) - Number(a.slice('chromium-'.length)));
  const found = [];
  for (const revision of revisions) {
    let dirs;
    try {
      dirs = fs.readdirSync(path.join(root, revision)).filter((name) => name.startsWith('chrome-linux') || name.startsWith('chrome-mac'));
    } catch {
      continue;
    }
    for (const dir of dirs.sort()) {
      for (const file of ['chrome', 'Chromium.app/Contents/MacOS/Chromium']) {
        const candidate = path.join(root, revision, dir, file);
        if (isExecutable(candidate)) found.push(candidate);
      }
    }
  }
  return found;
}

/**
 * The browser the dashboard tests drive: `CHROMIUM_PATH`, then chromium / chromium-browser /
 * google-chrome / google-chrome-stable on PATH (and the usual macOS apps), then Playwright's
 * browser cache. `{ path, source }`, or `{ path: null, problem }` saying what was tried.
 */
function findChromium(env = process.env, platform = process.platform) {
  if (env.CHROMIUM_PATH) {
    if (isExecutable(env.CHROMIUM_PATH)) return { path: env.CHROMIUM_PATH, source: 'CHROMIUM_PATH' };
    return { path: null, problem: `CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file` };
  }
  for (const name of BROWSER_NAMES) {
    const found = findOnPath(name, env);
    if (found) return { path: found, source: 'PATH' };
  }
  if (platform === 'darwin') {
    const app = MAC_BROWSERS.find(isExecutable);
    if (app) return { path: app, source: 'Applications' };
  }
  const [cached] = playwrightBrowsers(env);
  if (cached) return { path: cached, source: 'Playwright cache' };
  return { path: null, problem: `none of CHROMIUM_PATH, ${BROWSER_NAMES.join(' / ')} on PATH, or a Chromium in Playwright's cache` };
}

/** redis-server on PATH (the suite starts its own on a free port), or null. */
function findRedisServer(env = process.env) {
  return findOnPath('redis-server', env);
}

/** Where Debian's python3-celery and python3-redis put their packages for /usr/bin/python3. */
const PYTHON_PACKAGE_DIRS = ['/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages'];

/**
 * Celery and redis-py for the Celery wire tests (test/celery), looked up as files: in
 * `CELERY_PYTHON_PATH` (dirs separated by ':'), else Debian's dist-packages. True when
 * one dir has both `celery/__init__.py` and `redis/__init__.py`.
 */
function findCelery(env = process.env) {
  const dirs = env.CELERY_PYTHON_PATH !== undefined ? env.CELERY_PYTHON_PATH.split(path.delimiter).filter(Boolean) : PYTHON_PACKAGE_DIRS;
  return dirs.some((dir) => fs.existsSync(path.join(dir, 'celery', '__init__.py')) && fs.existsSync(path.join(dir, 'redis', '__init__.py')));
}

/** What `npm test` needs and this machine lacks: `{ what, install }` for each, in one pass (no process is started). */
function missingForTests(env = process.env, platform = process.platform) {
  const mac = platform === 'darwin';
  const missing = [];
  if (!findRedisServer(env)) {
    missing.push({
      what: 'redis-server (the suite starts its own on a free port), not on PATH',
      install: mac ? 'brew install redis' : 'sudo apt-get install -y redis-server',
    });
  }
  if (!findOnPath('redis-cli', env)) {
    missing.push({
      what: 'redis-cli (the suite joins its own 3-node Redis Cluster with it), not on PATH',
      install: mac ? 'brew install redis' : 'sudo apt-get install -y redis-tools',
    });
  }
  const browser = findChromium(env, platform);
  if (!browser.path) {
    missing.push({
      what: `Chromium for the dashboard tests: ${browser.problem}`,
      install: `${mac ? 'brew install --cask chromium' : 'sudo apt-get install -y chromium fonts-liberation'}  (or npx playwright-core install chromium, or set CHROMIUM_PATH)`,
    });
  }
  if (!findCelery(env)) {
    missing.push({
      what: 'python3-celery and python3-redis for /usr/bin/python3 (the Celery wire tests run a real Celery worker)',
      install: mac ? 'pip3 install celery redis  (and set CELERY_PYTHON to that python)' : 'sudo apt-get install -y python3-celery python3-redis',
    });
  }
  return missing;
}

module.exports = { BROWSER_NAMES, findCelery, findOnPath, findChromium, findRedisServer, missingForTests, playwrightBrowsers };
