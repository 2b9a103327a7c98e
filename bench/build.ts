import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (bench/..). */
export const ROOT = join(import.meta.dirname, '..');

let built = false;

/**
 * `npm run build` (tsc -p .) before a benchmark that runs the program as a user does: after a
 * build, bin/synecdoche.js runs the compiled dist/ tree. tsc still writes every file when some
 * other file has a type error, so only a missing output fails.
 */
export function buildDist(log: (line: string) => void, expect = 'dist/cli/main.js'): void {
  // One build serves every benchmark of one `npm run bench`: the sources do not change meanwhile.
  if (built) {
    if (!existsSync(join(ROOT, expect))) throw new Error(`tsc did not build ${expect}`);
    return;
  }
  const t = Date.now();
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', join(ROOT, 'tsconfig.json')], { encoding: 'utf8' });
  if (!existsSync(join(ROOT, expect))) throw new Error(`tsc did not build ${expect}: ${r.stdout}${r.stderr}`);
  built = true;
  log(`built dist/ with tsc in ${Date.now() - t} ms${r.status === 0 ? '' : ' (tsc reported type errors elsewhere; files written anyway)'}`);
}
