import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** One app of the matrix: a Nest major × a module system, consuming the packed library. */
export interface CompatFixture {
  name: string;
  dir: string;
  nestMajor: 11 | 12;
  moduleSystem: 'commonjs' | 'esm';
}

export const FIXTURES_DIR = join(__dirname, 'fixtures');

export const FIXTURES: CompatFixture[] = (
  [
    ['nest11-cjs', 11, 'commonjs'],
    ['nest11-esm', 11, 'esm'],
    ['nest12-cjs', 12, 'commonjs'],
    ['nest12-esm', 12, 'esm'],
  ] as const
).map(([name, nestMajor, moduleSystem]) => ({ name, dir: join(FIXTURES_DIR, name), nestMajor, moduleSystem }));

/** Fails with the command to run when scripts/prepare-compat.js has not prepared the app. */
export function assertPrepared(fixture: CompatFixture): void {
  const needed = ['dist/main.js', 'node_modules/nestjs-tasks/package.json', 'node_modules/.compat-stamp.json'];
  const missing = needed.filter((file) => !existsSync(join(fixture.dir, file)));
  if (missing.length > 0) {
    throw new Error(
      `${fixture.name} is not prepared (missing ${missing.join(', ')}): run \`node scripts/prepare-compat.js\` (\`npm test\` runs it first)`,
    );
  }
}
