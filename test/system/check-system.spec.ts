import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findChromium, missingForTests } from '../../scripts/system-deps';

const ROOT = join(__dirname, '..', '..');

/** An executable file (a stand-in binary: only its presence is looked at). */
function executable(file: string): string {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, '#!/bin/sh\nexit 0\n');
  chmodSync(file, 0o755);
  return file;
}

describe('npm test on a fresh machine: scripts/check-system.js and the browser lookup', () => {
  let dir: string;
  let emptyPath: string;
  let home: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nest-tasks-system-'));
    emptyPath = join(dir, 'empty-bin');
    mkdirSync(emptyPath);
    home = join(dir, 'home');
    mkdirSync(home);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function checkSystem(env: NodeJS.ProcessEnv): { status: number | null; stderr: string; ms: number } {
    const started = Date.now();
    const run = spawnSync(process.execPath, [join(ROOT, 'scripts', 'check-system.js')], { env, encoding: 'utf8', timeout: 10_000 });
    return { status: run.status, stderr: run.stderr, ms: Date.now() - started };
  }

  it('a machine with none of them: exit 1 within a second, one line per missing thing with its install command', () => {
    const { status, stderr, ms } = checkSystem({ PATH: emptyPath, HOME: home, CELERY_PYTHON_PATH: emptyPath });
    expect(status).toBe(1);
    expect(ms).toBeLessThan(1000);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toBe('npm test needs from this machine:');
    expect(lines[1]).toMatch(/^ {2}- redis-server .*: sudo apt-get install -y redis-server$/);
    expect(lines[2]).toMatch(/^ {2}- redis-cli .*: sudo apt-get install -y redis-tools$/);
    expect(lines[3]).toMatch(/^ {2}- Chromium .*: sudo apt-get install -y chromium fonts-liberation .*CHROMIUM_PATH/);
    expect(lines[4]).toMatch(/^ {2}- python3-celery and python3-redis .*: sudo apt-get install -y python3-celery python3-redis$/);
  });

  it('a machine with all of them on PATH (chromium-browser): exit 0, silent', () => {
    executable(join(dir, 'bin', 'redis-server'));
    executable(join(dir, 'bin', 'redis-cli'));
    executable(join(dir, 'bin', 'chromium-browser'));
    executable(join(dir, 'py', 'celery', '__init__.py'));
    executable(join(dir, 'py', 'redis', '__init__.py'));
    const { status, stderr } = checkSystem({ PATH: join(dir, 'bin'), HOME: home, CELERY_PYTHON_PATH: join(dir, 'py') });
    expect(stderr).toBe('');
    expect(status).toBe(0);
  });

  it('a CHROMIUM_PATH that does not exist is named as such, even with a browser on PATH', () => {
    executable(join(dir, 'bin', 'redis-server'));
    executable(join(dir, 'bin', 'redis-cli'));
    executable(join(dir, 'bin', 'chromium'));
    const { status, stderr } = checkSystem({ PATH: join(dir, 'bin'), HOME: home, CHROMIUM_PATH: join(dir, 'nope') });
    expect(status).toBe(1);
    expect(stderr).toContain(`CHROMIUM_PATH=${join(dir, 'nope')} is not an executable file`);
    expect(stderr).not.toContain('redis-server');
  });

  it('finds the browser in order: CHROMIUM_PATH, then PATH (chromium before google-chrome), then the newest in Playwright\'s cache', () => {
    const bin = join(dir, 'bin');
    const cached = executable(join(home, '.cache', 'ms-playwright', 'chromium-1200', 'chrome-linux64', 'chrome'));
    executable(join(home, '.cache', 'ms-playwright', 'chromium-999', 'chrome-linux', 'chrome'));
    expect(findChromium({ PATH: bin, HOME: home }, 'linux')).toEqual({ path: cached, source: 'Playwright cache' });

    const chrome = executable(join(bin, 'google-chrome-stable'));
    expect(findChromium({ PATH: bin, HOME: home }, 'linux')).toEqual({ path: chrome, source: 'PATH' });
    const chromium = executable(join(bin, 'chromium'));
    expect(findChromium({ PATH: bin, HOME: home }, 'linux')).toEqual({ path: chromium, source: 'PATH' });

    const own = executable(join(dir, 'my-chrome'));
    expect(findChromium({ PATH: bin, HOME: home, CHROMIUM_PATH: own }, 'linux')).toEqual({ path: own, source: 'CHROMIUM_PATH' });
  });

  it('PLAYWRIGHT_BROWSERS_PATH is where Playwright keeps them when set; a non-executable file does not count', () => {
    const store = join(dir, 'pw');
    const notExecutable = join(store, 'chromium-1300', 'chrome-linux', 'chrome');
    executable(notExecutable);
    chmodSync(notExecutable, 0o644);
    expect(findChromium({ PATH: emptyPath, HOME: home, PLAYWRIGHT_BROWSERS_PATH: store }, 'linux').path).toBeNull();
    chmodSync(notExecutable, 0o755);
    expect(findChromium({ PATH: emptyPath, HOME: home, PLAYWRIGHT_BROWSERS_PATH: store }, 'linux').path).toBe(notExecutable);
  });

  it('names the macOS install commands on macOS', () => {
    const missing = missingForTests({ PATH: emptyPath, HOME: home, CELERY_PYTHON_PATH: emptyPath }, 'darwin');
    expect(missing.map((m) => m.install.split('  ')[0])).toEqual(['brew install redis', 'brew install redis', 'brew install --cask chromium', 'pip3 install celery redis']);
  });
});
