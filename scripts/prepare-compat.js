#!/usr/bin/env node
// Prepares the compatibility apps in test/compat/fixtures (run by `npm test` as
// `pretest`): builds the library when dist/lib is older than its sources, packs it
// with `npm pack`, then in each fixture installs the locked dependencies (`npm ci`),
// installs the packed library as a user would (`npm install <tarball>`), copies in
// the shared app source (test/compat/app) and compiles it with tsc. Every step is
// skipped when its inputs did not change; `--force` redoes them all.
'use strict';
const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const COMPAT = path.join(ROOT, 'test', 'compat');
const APP = path.join(COMPAT, 'app');
const FIXTURES = path.join(COMPAT, 'fixtures');
const PACK_DIR = path.join(COMPAT, '.pack');
const LOCK_DIR = path.join(PACK_DIR, '.lock');
const BUILD_INPUTS = ['lib', 'scripts/clean-dist.js', 'scripts/copy-assets.js', 'scripts/write-esm-entry.js', 'tsconfig.json', 'tsconfig.build.json'];
const BUILD_MARKER = path.join(ROOT, 'dist', 'lib', 'index.mjs'); // written last by `npm run build`
const LOCK_WAIT_MS = 15 * 60_000;
const NPM_FLAGS = ['--no-audit', '--no-fund', '--loglevel=error'];

const force = process.argv.includes('--force');
const log = (message) => console.log(`compat: ${message}`);

function main() {
  withLock(() => {
    ensureBuilt();
    const tarball = pack();
    for (const name of fs.readdirSync(FIXTURES).sort()) {
      const dir = path.join(FIXTURES, name);
      if (fs.existsSync(path.join(dir, 'package.json'))) prepareFixture(dir, tarball);
    }
  });
}

/** Runs `npm run build` unless dist/lib is newer than everything it is built from. */
function ensureBuilt() {
  const built = fs.existsSync(BUILD_MARKER) ? fs.statSync(BUILD_MARKER).mtimeMs : 0;
  const newest = Math.max(...BUILD_INPUTS.map((input) => newestMtime(path.join(ROOT, input))));
  if (!force && built >= newest) return log('dist/lib is up to date');
  log('building the library');
  run('npm', ['run', 'build'], ROOT);
}

/** `npm pack`s the library into test/compat/.pack under a name carrying its content hash. */
function pack() {
  const output = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', PACK_DIR, ...NPM_FLAGS], ROOT, { capture: true });
  const packed = path.join(PACK_DIR, JSON.parse(output)[0].filename);
  const hash = sha256(fs.readFileSync(packed));
  const file = path.join(PACK_DIR, `nestjs-tasks-${hash.slice(0, 16)}.tgz`);
  fs.renameSync(packed, file);
  for (const old of fs.readdirSync(PACK_DIR)) {
    if (old.endsWith('.tgz') && path.join(PACK_DIR, old) !== file) fs.rmSync(path.join(PACK_DIR, old));
  }
  log(`packed ${path.relative(ROOT, file)}`);
  return { file, hash };
}

/** Installs, links and compiles one fixture app; each step only when its inputs changed. */
function prepareFixture(dir, tarball) {
  const name = path.basename(dir);
  const stampFile = path.join(dir, 'node_modules', '.compat-stamp.json');
  let stamp = readJson(stampFile) ?? {};
  const save = () => fs.writeFileSync(stampFile, JSON.stringify(stamp, null, 2));

  const lock = path.join(dir, 'package-lock.json');
  if (force || !fs.existsSync(lock) || stamp.deps !== hashFiles([path.join(dir, 'package.json'), lock])) {
    const hadLock = fs.existsSync(lock);
    log(`${name}: ${hadLock ? 'npm ci' : 'npm install (no package-lock.json yet: commit the one it writes)'}`);
    run('npm', [hadLock ? 'ci' : 'install', ...NPM_FLAGS], dir);
    stamp = { deps: hashFiles([path.join(dir, 'package.json'), lock]) };
    save();
  }

  if (stamp.tarball !== tarball.hash) {
    log(`${name}: installing the packed library`);
    run('npm', ['install', '--no-save', ...NPM_FLAGS, path.relative(dir, tarball.file)], dir);
    stamp = { deps: stamp.deps, tarball: tarball.hash };
    save();
  }

  const sources = syncAppSources(path.join(dir, 'src'));
  const build = sha256([sources, tarball.hash, fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8')].join('\n'));
  if (stamp.build !== build || !fs.existsSync(path.join(dir, 'dist', 'main.js'))) {
    log(`${name}: compiling`);
    fs.rmSync(path.join(dir, 'dist'), { recursive: true, force: true });
    run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', dir], dir);
    stamp.build = build;
    save();
  }
  log(`${name}: ready`);
}

/** Makes `target` an exact copy of test/compat/app; returns a hash of its content. */
function syncAppSources(target) {
  fs.mkdirSync(target, { recursive: true });
  const files = fs.readdirSync(APP).filter((file) => file.endsWith('.ts')).sort();
  for (const stale of fs.readdirSync(target)) {
    if (!files.includes(stale)) fs.rmSync(path.join(target, stale), { recursive: true, force: true });
  }
  const hash = createHash('sha256');
  for (const file of files) {
    const source = fs.readFileSync(path.join(APP, file));
    hash.update(`${file}\0`).update(source);
    const copy = path.join(target, file);
    if (!fs.existsSync(copy) || !fs.readFileSync(copy).equals(source)) fs.writeFileSync(copy, source);
  }
  return hash.digest('hex');
}

/** Serializes concurrent runs (a shared checkout): a directory lock holding the owner's pid. */
function withLock(fn) {
  fs.mkdirSync(PACK_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let waiting = false;
  for (;;) {
    try {
      fs.mkdirSync(LOCK_DIR);
      fs.writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (isStaleLock()) {
      fs.rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${LOCK_DIR} is still held after ${LOCK_WAIT_MS} ms`);
    if (!waiting) log('another run is preparing the fixtures, waiting for it');
    waiting = true;
    sleep(500);
  }
  try {
    fn();
  } finally {
    fs.rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

function isStaleLock() {
  const pid = Number(readText(path.join(LOCK_DIR, 'pid')));
  if (!pid) {
    // Just created and the pid not written yet, or left behind empty long ago.
    const created = fs.statSync(LOCK_DIR, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    return Date.now() - created > 10_000;
  }
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return error.code !== 'EPERM';
  }
}

function run(command, args, cwd, { capture = false } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: childEnv(),
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${path.relative(ROOT, cwd) || '.'} (exit ${result.status ?? result.signal})`);
  }
  return result.stdout;
}

/** The environment minus what npm sets for the running script, so a fixture is its own project. */
function childEnv() {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_(package_|lifecycle_|config_local_prefix$|config_prefix$)/i.test(key)) delete env[key];
  }
  return env;
}

function newestMtime(file) {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...fs.readdirSync(file).map((entry) => newestMtime(path.join(file, entry))));
}

function hashFiles(files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(`${path.basename(file)}\0`).update(readText(file) ?? '');
  return hash.digest('hex');
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readJson(file) {
  const text = readText(file);
  return text === undefined ? undefined : JSON.parse(text);
}

try {
  main();
} catch (error) {
  console.error(`compat: ${error.message}`);
  process.exitCode = 1;
}
