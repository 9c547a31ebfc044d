import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function pages(): string[] {
  const files = [join(ROOT, 'README.md'), join(ROOT, 'CONTRIBUTING.md')];
  for (const name of readdirSync(join(ROOT, 'docs'))) if (name.endsWith('.md')) files.push(join(ROOT, 'docs', name));
  return files;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchor(m[1])));
}

/** Markdown text without its fenced and inline code. */
function prose(file: string): string {
  return readFileSync(file, 'utf8')
    .replace(/^\s*```[\s\S]*?^\s*```/gm, '')
    .replace(/`[^`\n]*`/g, '');
}

describe('docs: the README and docs/ hold together', () => {
  it('the README fits on a screen: at most 300 lines', () => {
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(300);
  });

  it('every relative link points to a file that exists, and every #anchor to a heading of it', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of pages()) {
      for (const [, target] of prose(file).matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
        checked++;
        const [path, hash] = target.split('#');
        const to = path ? join(dirname(file), path) : file;
        if (!existsSync(to)) broken.push(`${relative(ROOT, file)}: ${target} (no such file)`);
        else if (hash && to.endsWith('.md') && !anchorsOf(to).has(hash)) broken.push(`${relative(ROOT, file)}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('no page refers to "the article" a reader has not read', () => {
    const mentions = pages().filter((file) => /\bthe article\b|\barticle's\b/i.test(readFileSync(file, 'utf8')));
    expect(mentions.map((f) => relative(ROOT, f))).toEqual([]);
  });

  it('the docs index links every page of docs/', () => {
    const index = readFileSync(join(ROOT, 'docs', 'README.md'), 'utf8');
    const unlinked = readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md') && name !== 'README.md' && !index.includes(`](${name}`));
    expect(unlinked).toEqual([]);
  });
});
