import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared corpus of real tool logs: `../shared/corpus` beside the project (CI always has it). */
export const SHARED_CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/**
 * The names of the corpus samples matching `pattern`, sorted. Throws, naming the folder, when the
 * corpus is missing: a test of the corpus must fail then, not pass by finding nothing in it.
 */
export function corpusSamples(pattern: RegExp): string[] {
  if (!existsSync(SHARED_CORPUS)) {
    throw new Error(`the shared corpus is missing: expected it at ${SHARED_CORPUS} (the ../shared checkout beside the project, as CI has)`);
  }
  return readdirSync(SHARED_CORPUS).filter((n) => pattern.test(n)).sort();
}

/**
 * For each corpus sample, whether the copy in `fixtures` differs from it: `{ name: 'same' }`,
 * or 'missing' / 'differs'. Tests parse the fixtures (so they run anywhere); this says the
 * fixtures are still the corpus's bytes.
 */
export function compareWithFixtures(names: readonly string[], fixtures: string): Record<string, 'same' | 'missing' | 'differs'> {
  const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
  const out: Record<string, 'same' | 'missing' | 'differs'> = {};
  for (const n of names) {
    const copy = join(fixtures, n);
    out[n] = !existsSync(copy) ? 'missing' : sha(copy) === sha(join(SHARED_CORPUS, n)) ? 'same' : 'differs';
  }
  return out;
}
